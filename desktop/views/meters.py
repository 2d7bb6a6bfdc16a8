"""The live microphone level and the pace-against-ideal bar."""

from __future__ import annotations

from app.schemas.delivery import IDEAL_WPM_HIGH, IDEAL_WPM_LOW
from desktop.qt import QColor, QPainter, QPaintEvent, QPointF, QRectF, QSize, Qt, QWidget
from desktop.views import style

SEGMENTS = 30


class LevelMeter(QWidget):
    """Thirty segments, green then amber then red, so clipping is visible at a glance."""

    def __init__(self) -> None:
        super().__init__()
        self._level = 0.0
        self.setMinimumSize(QSize(240, 16))
        self.setMaximumHeight(16)

    @property
    def level(self) -> float:
        return self._level

    def set_level(self, level: float) -> None:
        # Fall slowly, rise at once: a meter that flickers back to zero between words is hard to read.
        self._level = level if level >= self._level else max(level, self._level - 0.06)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        gap = 3.0
        width = (self.width() - gap * (SEGMENTS - 1)) / SEGMENTS
        lit = round(self._level * SEGMENTS)
        for index in range(SEGMENTS):
            if index >= SEGMENTS * 0.85:
                color = style.DANGER
            elif index >= SEGMENTS * 0.65:
                color = "#f59e0b"
            else:
                color = "#22c55e"
            fill = QColor(color) if index < lit else QColor("#e6e8f0")
            painter.fillRect(QRectF(index * (width + gap), 0, width, self.height()), fill)
        painter.end()


class PaceBar(QWidget):
    """A scale of words per minute with the ideal band and a marker at the candidate's pace."""

    LOW = 80.0
    HIGH = 220.0

    def __init__(self) -> None:
        super().__init__()
        self._wpm: float | None = None
        self.setMinimumSize(QSize(280, 54))

    def set_wpm(self, wpm: float | None) -> None:
        self._wpm = wpm
        self.update()

    def _x(self, wpm: float) -> float:
        clamped = max(self.LOW, min(self.HIGH, wpm))
        return 18 + (clamped - self.LOW) / (self.HIGH - self.LOW) * (self.width() - 36)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = QRectF(self._x(self.LOW), 20, self._x(self.HIGH) - self._x(self.LOW), 10)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e6e8f0"))
        painter.drawRoundedRect(track, 5, 5)
        painter.setBrush(QColor("#86efac"))
        painter.drawRect(
            QRectF(self._x(IDEAL_WPM_LOW), 20, self._x(IDEAL_WPM_HIGH) - self._x(IDEAL_WPM_LOW), 10)
        )
        painter.setPen(QColor(style.MUTED))
        for mark in range(int(self.LOW), int(self.HIGH) + 1, 20):
            x = self._x(mark)
            painter.drawText(QRectF(x - 20, 34, 40, 16), Qt.AlignmentFlag.AlignCenter, str(mark))
        if self._wpm is not None:
            x = self._x(self._wpm)
            inside = IDEAL_WPM_LOW <= self._wpm <= IDEAL_WPM_HIGH
            color = QColor(style.SUCCESS if inside else style.WARNING)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPolygon([QPointF(x - 7, 4), QPointF(x + 7, 4), QPointF(x, 18)])
            painter.drawRect(QRectF(x - 1.5, 18, 3, 14))
        painter.end()
