"""Scores over time: one metric at a time, with the ideal band drawn where the spec defines one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from app.schemas.delivery import IDEAL_WPM_HIGH, IDEAL_WPM_LOW
from app.schemas.history import AnswerSummary
from desktop.qt import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPointF, QRectF, QSize, Qt, QWidget
from desktop.text_analysis import RANGE_DASH
from desktop.views import style


@dataclass(frozen=True, slots=True)
class MetricSpec:
    title: str
    low: float
    high: float | None  # None: scale to the data
    band: tuple[float, float] | None = None
    unit: str = ""


class Metric(Enum):
    OVERALL = MetricSpec("Overall score", 0, 100)
    STAR = MetricSpec("STAR quality", 0, 100)
    FILLERS = MetricSpec("Fillers per minute", 0, None, unit="/min")
    WPM = MetricSpec("Words per minute", 60, 220, band=(IDEAL_WPM_LOW, IDEAL_WPM_HIGH), unit=" WPM")


def metric_value(answer: AnswerSummary, metric: Metric) -> float | None:
    match metric:
        case Metric.OVERALL:
            return answer.overall_score
        case Metric.STAR:
            return answer.star_quality
        case Metric.FILLERS:
            return answer.fillers_per_minute
        case Metric.WPM:
            return answer.words_per_minute


class ScoreChart(QWidget):
    MARGIN_LEFT = 46.0
    MARGIN_RIGHT = 18.0
    MARGIN_TOP = 14.0
    MARGIN_BOTTOM = 30.0

    def __init__(self) -> None:
        super().__init__()
        self._answers: list[AnswerSummary] = []
        self.shown = Metric.OVERALL
        self.setMinimumHeight(220)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(600, 240)

    def set_answers(self, answers: list[AnswerSummary]) -> None:
        self._answers = sorted(answers, key=lambda answer: answer.created_at)
        self.update()

    def set_metric(self, metric: Metric) -> None:
        self.shown = metric
        self.update()

    def points(self) -> list[tuple[AnswerSummary, float]]:
        return [
            (answer, value)
            for answer in self._answers
            if (value := metric_value(answer, self.shown)) is not None
        ]

    def _range(self, values: list[float]) -> tuple[float, float]:
        spec = self.shown.value
        if spec.high is not None:
            low = min([spec.low, *values])
            high = max([spec.high, *values])
            return low, high
        top = max([5.0, *values]) * 1.2
        return spec.low, float(int(top) + 1)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        plot = QRectF(
            self.MARGIN_LEFT,
            self.MARGIN_TOP,
            self.width() - self.MARGIN_LEFT - self.MARGIN_RIGHT,
            self.height() - self.MARGIN_TOP - self.MARGIN_BOTTOM,
        )
        points = self.points()
        low, high = self._range([value for _, value in points])

        def y_of(value: float) -> float:
            return plot.bottom() - (value - low) / (high - low) * plot.height()

        band = self.shown.value.band
        if band is not None:
            painter.fillRect(
                QRectF(plot.left(), y_of(band[1]), plot.width(), y_of(band[0]) - y_of(band[1])),
                QColor(style.SUCCESS_SOFT),
            )
            painter.setPen(QColor(style.SUCCESS))
            painter.drawText(
                QRectF(plot.left() + 6, y_of(band[1]) + 2, plot.width(), 16),
                Qt.AlignmentFlag.AlignLeft,
                f"Ideal {band[0]:.0f}{RANGE_DASH}{band[1]:.0f}",
            )
        grid_pen = QPen(QColor(style.LINE))
        for step in range(5):
            value = low + (high - low) * step / 4
            y = y_of(value)
            painter.setPen(grid_pen)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor(style.MUTED))
            painter.drawText(
                QRectF(0, y - 8, self.MARGIN_LEFT - 8, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{value:.0f}",
            )
        if not points:
            painter.setPen(QColor(style.MUTED))
            painter.drawText(
                plot,
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "Your scores appear here once an answer has its feedback report.",
            )
            painter.end()
            return
        count = len(points)

        def x_of(index: int) -> float:
            return (
                plot.center().x()
                if count == 1
                else plot.left() + 10 + index * (plot.width() - 20) / (count - 1)
            )

        path = QPainterPath()
        for index, (_, value) in enumerate(points):
            point = QPointF(x_of(index), y_of(value))
            if index == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
        line_pen = QPen(QColor(style.PRIMARY), 2.5)
        painter.setPen(line_pen)
        painter.drawPath(path)
        painter.setBrush(QColor("white"))
        for index, (_, value) in enumerate(points):
            painter.drawEllipse(QPointF(x_of(index), y_of(value)), 4.5, 4.5)
        painter.setPen(QColor(style.MUTED))
        labelled = {0, count - 1} if count > 1 else {0}
        for index in sorted(labelled):
            answer = points[index][0]
            x = x_of(index)
            if count == 1:
                box, align = QRectF(x - 60, plot.bottom() + 6, 120, 18), Qt.AlignmentFlag.AlignHCenter
            elif index == 0:
                box, align = QRectF(x - 10, plot.bottom() + 6, 140, 18), Qt.AlignmentFlag.AlignLeft
            else:
                box, align = QRectF(x - 130, plot.bottom() + 6, 140, 18), Qt.AlignmentFlag.AlignRight
            painter.drawText(box, align, answer.created_at.astimezone().strftime("%d %b %Y"))
        painter.end()
