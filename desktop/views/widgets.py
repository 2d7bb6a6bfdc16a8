"""Small building blocks shared by the screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from desktop.qt import (
    QColor,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPainter,
    QPaintEvent,
    QPen,
    QProgressBar,
    QPushButton,
    QRectF,
    QScrollArea,
    QSize,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desktop.text_analysis import NO_VALUE
from desktop.views import style


def label(text: str, role: str = "", *, wrap: bool = True, selectable: bool = False) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setObjectName(role)
    widget.setWordWrap(wrap)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def button(text: str, role: str = "", on_click: Callable[[], None] | None = None) -> QPushButton:
    widget = QPushButton(text)
    if role:
        widget.setObjectName(role)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    if on_click is not None:
        widget.clicked.connect(on_click)
    return widget


class Card(QFrame):
    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(20, 16, 20, 18)
        self.body.setSpacing(10)
        if title:
            self.body.addWidget(label(title, "h2"))


class Page(QScrollArea):
    """A screen's scrollable page with a heading; screens add their content to `content`."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("page")
        self.content = QVBoxLayout(inner)
        self.content.setContentsMargins(32, 26, 32, 26)
        self.content.setSpacing(16)
        self.title = label(title, "h1")
        self.content.addWidget(self.title)
        self.subtitle = label(subtitle, "muted")
        self.subtitle.setVisible(bool(subtitle))
        self.content.addWidget(self.subtitle)
        self.setWidget(inner)


class Banner(QFrame):
    """A message across the top of a screen, with an optional action such as "Try again"."""

    def __init__(self) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 10, 10)
        words = QVBoxLayout()
        words.setSpacing(2)
        self.text = label("")
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.details = label("", "muted", selectable=True)
        self.details.setStyleSheet("font-size: 9pt;")
        words.addWidget(self.text)
        words.addWidget(self.details)
        self.action = button("")
        self.close_button = button("Dismiss", "link", self.hide)
        row.addLayout(words, 1)
        row.addWidget(self.action)
        row.addWidget(self.close_button)
        self._callback: Callable[[], None] | None = None
        self.action.clicked.connect(self._act)
        self.hide()

    def show_message(
        self,
        message: str,
        kind: str = "error",
        action: str = "",
        on_action: Callable[[], None] | None = None,
        *,
        details: str = "",
    ) -> None:
        self.setObjectName(f"banner_{kind}")
        # The style sheet picks the colours by object name, which only applies after a re-polish.
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(message)
        self.details.setText(details)
        self.details.setVisible(bool(details))
        self._callback = on_action
        self.action.setText(action)
        self.action.setVisible(bool(action and on_action))
        self.show()

    def _act(self) -> None:
        self.hide()
        if self._callback is not None:
            self._callback()


class BusyRow(QWidget):
    """What is happening now, a progress bar, and a Cancel button where cancelling makes sense."""

    def __init__(self) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.text = label("", "muted")
        self.cancel = button("Cancel")
        top.addWidget(self.text, 1)
        top.addWidget(self.cancel)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        column.addLayout(top)
        column.addWidget(self.bar)
        self.hide()

    def busy(self, text: str, *, cancellable: bool = False) -> None:
        self.text.setText(text)
        self.bar.setRange(0, 0)
        self.cancel.setVisible(cancellable)
        self.show()

    def progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(done * 1000 / total))

    def idle(self) -> None:
        self.hide()


class ScoreRing(QWidget):
    """A score out of `maximum` drawn as a ring, coloured by how good it is."""

    def __init__(self, diameter: int = 120, maximum: float = 100.0) -> None:
        super().__init__()
        self._value: float | None = None
        self._maximum = maximum
        self._caption = ""
        self.setFixedSize(QSize(diameter, diameter))

    def set_value(self, value: float | None, caption: str = "") -> None:
        self._value = value
        self._caption = caption
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        thickness = max(8.0, self.width() / 12)
        rect = QRectF(thickness / 2, thickness / 2, self.width() - thickness, self.height() - thickness)
        painter.setPen(QPen(QColor("#e8eaf3"), thickness))
        painter.drawEllipse(rect)
        value = self._value
        if value is not None:
            fraction = max(0.0, min(1.0, value / self._maximum))
            color = style.score_color(fraction * 100)
            pen = QPen(QColor(color), thickness)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawArc(rect, 90 * 16, -int(fraction * 360 * 16))
        painter.setPen(QColor(style.INK))
        font = painter.font()
        font.setPixelSize(int(self.height() / 4))
        font.setBold(True)
        painter.setFont(font)
        text = NO_VALUE if value is None else f"{value:.0f}"
        number_rect = QRectF(rect).adjusted(0, -6 if self._caption else 0, 0, -6 if self._caption else 0)
        painter.drawText(number_rect, Qt.AlignmentFlag.AlignCenter, text)
        if self._caption:
            font.setPixelSize(max(10, int(self.height() / 11)))
            font.setBold(False)
            painter.setFont(font)
            painter.setPen(QColor(style.MUTED))
            caption_rect = QRectF(
                rect.left(), rect.center().y() + self.height() / 9, rect.width(), self.height() / 6
            )
            painter.drawText(caption_rect, Qt.AlignmentFlag.AlignCenter, self._caption)
        painter.end()


class Chip(QLabel):
    """A small coloured status label ("Met", "Partial", "Missing", "Complete", ...)."""

    COLORS: ClassVar[dict[str, tuple[str, str]]] = {
        "success": (style.SUCCESS, style.SUCCESS_SOFT),
        "warning": (style.WARNING, style.WARNING_SOFT),
        "danger": (style.DANGER, style.DANGER_SOFT),
        "info": (style.PRIMARY, style.PRIMARY_SOFT),
        "muted": (style.MUTED, "#eef0f4"),
    }

    def __init__(self, text: str = "", kind: str = "muted") -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set(text, kind)

    def set(self, text: str, kind: str) -> None:
        ink, background = self.COLORS.get(kind, self.COLORS["muted"])
        self.setText(text)
        self.setStyleSheet(
            f"QLabel {{ color: {ink}; background: {background}; border-radius: 9px; "
            "padding: 2px 10px; font-weight: 600; font-size: 9pt; }"
        )
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)


def clear_layout(layout: QVBoxLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()
        elif (child := item.layout()) is not None and isinstance(child, (QVBoxLayout, QHBoxLayout)):
            clear_layout(child)
