"""The feedback report: scores, STAR breakdown, pace against the ideal band, transcript, advice."""

from __future__ import annotations

from pathlib import Path

from app.schemas.feedback import FeedbackReport
from app.schemas.recording import RecordingDetail
from desktop.qt import QFileDialog, QGridLayout, QHBoxLayout, Qt, QVBoxLayout, QWidget, Signal
from desktop.report import (
    COMPONENT_COLOURS,
    STAR_PARTS,
    coverage_chip,
    highlighted_transcript,
    relevance_html,
)
from desktop.text_analysis import NO_VALUE, pace_verdict
from desktop.views.formatting import when
from desktop.views.meters import PaceBar
from desktop.views.widgets import Banner, BusyRow, Card, Page, ScoreRing, button, clear_layout, label


def _tile(title: str, value: str, caption: str) -> QWidget:
    tile = QWidget()
    column = QVBoxLayout(tile)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(0)
    column.addWidget(label(title, "muted"))
    column.addWidget(label(value, "big", wrap=False))
    column.addWidget(label(caption, "muted"))
    return tile


class FeedbackView(Page):
    export_requested = Signal(object)  # Path
    retry_requested = Signal()
    back_requested = Signal()

    def __init__(self) -> None:
        super().__init__("Feedback report")
        header = QHBoxLayout()
        self.content.removeWidget(self.title)
        header.addWidget(self.title, 1)
        header.addWidget(button("Back to the interview", "", self.back_requested.emit))
        self.export = button("Export PDF…", "primary", self._choose_export)
        header.addWidget(self.export)
        self.content.insertLayout(0, header)
        self.banner = Banner()
        self.content.addWidget(self.banner)
        self.busy = BusyRow()
        self.content.addWidget(self.busy)
        self._detail: RecordingDetail | None = None

        self._build_scores()
        self._build_details()
        self.content.addStretch(1)
        self._report_cards = (self.scores, self.pace, self.star, self.advice)

    def _build_details(self) -> None:
        self.star = Card("STAR breakdown")
        self.star_grid = QGridLayout()
        self.star_grid.setHorizontalSpacing(22)
        self.star_grid.setVerticalSpacing(14)
        self.star_grid.setColumnStretch(0, 1)
        self.star_grid.setColumnStretch(1, 1)
        self.relevance = label("", selectable=True)
        self.relevance.setTextFormat(Qt.TextFormat.RichText)
        self.star.body.addWidget(self.relevance)
        self.star.body.addLayout(self.star_grid)
        self.assessment = label("", selectable=True)
        self.star.body.addWidget(label("Overall assessment", "h3"))
        self.star.body.addWidget(self.assessment)
        self.content.addWidget(self.star)

        self.advice = Card("Recommendations")
        self.recommendations = QVBoxLayout()
        self.recommendations.setSpacing(8)
        self.advice.body.addLayout(self.recommendations)
        self.content.addWidget(self.advice)

        self.improved = Card("Your answer, in STAR order")
        self.improved.body.addWidget(
            label("Built from your own words; fill in the brackets with facts only you know.", "muted")
        )
        self.improved_text = label("", selectable=True)
        self.improved.body.addWidget(self.improved_text)
        self.content.addWidget(self.improved)

        self.transcript_card = Card("What you said")
        self.filler_note = label("", "muted")
        self.transcript_card.body.addWidget(self.filler_note)
        self.transcript = label("", selectable=True)
        self.transcript.setTextFormat(Qt.TextFormat.RichText)
        self.transcript.setStyleSheet("font-size: 10.5pt;")
        self.transcript_card.body.addWidget(self.transcript)
        self.content.addWidget(self.transcript_card)

    def _build_scores(self) -> None:
        self.scores = Card()
        top = QHBoxLayout()
        self.ring = ScoreRing(136)
        top.addWidget(self.ring)
        top.addSpacing(16)
        self.tiles = QHBoxLayout()
        self.tiles.setSpacing(26)
        top.addLayout(self.tiles, 1)
        self.scores.body.addWidget(label("Overall score", "h2"))
        self.scores.body.addLayout(top)
        self.content.addWidget(self.scores)

        self.pace = Card("Pace")
        pace_row = QHBoxLayout()
        self.wpm = label("", "big", wrap=False)
        pace_row.addWidget(self.wpm)
        self.pace_bar = PaceBar()
        pace_row.addSpacing(12)
        pace_row.addWidget(self.pace_bar, 1)
        self.pace.body.addLayout(pace_row)
        self.pace_note = label("", "muted")
        self.pace.body.addWidget(self.pace_note)
        self.content.addWidget(self.pace)

    @property
    def detail(self) -> RecordingDetail | None:
        return self._detail

    def loading(self) -> None:
        self._detail = None
        self.subtitle.setText("")
        self.banner.hide()
        self.busy.busy("Loading the report…")
        self.export.setEnabled(False)
        for card in (*self._report_cards, self.improved, self.transcript_card):
            card.hide()

    def show_error(self, message: str) -> None:
        self.busy.idle()
        self.banner.show_message(message, "error", "Try again", self.retry_requested.emit)

    def show_detail(self, detail: RecordingDetail) -> None:
        self._detail = detail
        self.subtitle.setText(f"“{detail.question_text}” · answered {when(detail.created_at)}")
        self.subtitle.show()
        if detail.transcript:
            self._show_transcript(detail.transcript, detail.feedback)
        report = detail.feedback
        if detail.feedback_status == "failed":
            self.busy.idle()
            what = (
                "The feedback report for this answer couldn't be written."
                if detail.transcript
                else "This answer couldn't be transcribed."
            )
            self.banner.show_message(
                f"{what} Your recording is kept on this computer.",
                "error",
                "Check again",
                self.retry_requested.emit,
                details=detail.failure_reason or "",
            )
        elif report is None:
            step = "Writing your feedback report…" if detail.transcript else "Transcribing your answer…"
            self.busy.busy(f"{step} This can take a minute on a laptop.")
        if report is None:
            self.export.setEnabled(False)
            for card in (*self._report_cards, self.improved):
                card.hide()
            return
        self.busy.idle()
        self.banner.hide()
        self.export.setEnabled(True)
        self._show_report(report)

    def _show_transcript(self, transcript: str, report: FeedbackReport | None) -> None:
        self.transcript.setText(
            f"<p style='line-height:140%'>{highlighted_transcript(transcript, report)}</p>"
        )
        if report is not None:
            count = report.delivery_metrics.filler_word_count
            self.filler_note.setText(
                f"{count} filler word{'s' if count != 1 else ''} highlighted "
                "(um, uh, like, you know, sort of, kind of); each STAR part's sentences are in its colour."
            )
        else:
            self.filler_note.setText("Filler words are highlighted.")
        self.transcript_card.show()

    def _show_report(self, report: FeedbackReport) -> None:
        metrics = report.delivery_metrics
        self.ring.set_value(report.overall_score, "of 100")
        clear_layout(self.tiles)
        star = f"{report.star_quality:.0f}" if report.star_quality is not None else NO_VALUE
        delivery = f"{report.delivery_quality:.0f}" if report.delivery_quality is not None else NO_VALUE
        self.tiles.addWidget(_tile("STAR quality", star, "of 100"))
        self.tiles.addWidget(_tile("Delivery", delivery, "of 100"))
        self.tiles.addWidget(_tile("Confidence", f"{metrics.confidence_score:.1f}", "of 10"))
        self.tiles.addWidget(_tile("Filler words", str(metrics.filler_word_count), "in this answer"))
        self.tiles.addStretch(1)
        self.wpm.setText(f"{metrics.words_per_minute:.0f} WPM")
        self.pace_bar.set_wpm(metrics.words_per_minute)
        self.pace_note.setText(
            f"{pace_verdict(metrics.words_per_minute)} Pace rating {metrics.pace_rating:.1f} / 10."
        )
        while self.star_grid.count():
            cell = self.star_grid.takeAt(0)
            if cell is not None and (widget := cell.widget()) is not None:
                widget.deleteLater()
        for position, (title, field) in enumerate(STAR_PARTS):
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            components = report.star_analysis.components
            chip = coverage_chip(getattr(components, field).coverage) if components is not None else ""
            heading = label(f"<span style='color:{COMPONENT_COLOURS[field]}'>{title}</span> {chip}", "h3")
            heading.setTextFormat(Qt.TextFormat.RichText)
            column.addWidget(heading)
            column.addWidget(label(str(getattr(report.star_analysis, field)), selectable=True))
            self.star_grid.addWidget(box, position // 2, position % 2, Qt.AlignmentFlag.AlignTop)
        self.relevance.setText(relevance_html(report))
        self.relevance.setVisible(report.relevance is not None)
        self.assessment.setText(report.star_analysis.overall_assessment)
        self.improved_text.setText(report.improved_answer or "")
        self.improved.setVisible(bool(report.improved_answer))
        clear_layout(self.recommendations)
        for number, recommendation in enumerate(report.recommendations, start=1):
            self.recommendations.addWidget(label(f"{number}.  {recommendation}", selectable=True))
        for card in self._report_cards:
            card.show()

    def _choose_export(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Export the report as PDF", "ascend-feedback-report.pdf", "PDF (*.pdf)"
        )
        if chosen:
            path = Path(chosen)
            self.export_requested.emit(path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf"))

    def exported(self, path: Path) -> None:
        self.banner.show_message(f"Saved the report to {path}.", "success")
