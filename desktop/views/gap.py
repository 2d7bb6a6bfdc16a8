"""Gap analysis: each requirement of the job met, partly met or missing, with the resume's evidence."""

from __future__ import annotations

from app.schemas.gap_analysis import GapAnalysis, GapAnalysisStatus, RequirementAssessment
from app.schemas.session import SessionStatus
from desktop.qt import QGridLayout, QHBoxLayout, Qt, QVBoxLayout, QWidget, Signal
from desktop.views import style
from desktop.views.widgets import Banner, BusyRow, Card, Chip, Page, ScoreRing, button, clear_layout, label

STATUS_CHIPS = {
    "met": ("Met", "success"),
    "partial": ("Partial", "warning"),
    "missing": ("Missing", "danger"),
}
ORDER = {"missing": 0, "partial": 1, "met": 2}
WORKING = ("pending", "processing")
NOT_WRITTEN = "The gap analysis for this practice couldn't be written."


class GapView(Page):
    interview_requested = Signal()
    retry_requested = Signal()  # after a network error: look again
    analyse_requested = Signal()  # the session has no analysis: ask for one on its own

    def __init__(self) -> None:
        super().__init__("Gap analysis", "How your resume covers what this job asks for.")
        header = QHBoxLayout()
        self.content.removeWidget(self.title)
        header.addWidget(self.title, 1)
        self.next = button("Start the interview", "primary", self.interview_requested.emit)
        header.addWidget(self.next)
        self.content.insertLayout(0, header)
        self.banner = Banner()
        self.content.addWidget(self.banner)
        self.busy = BusyRow()
        self.content.addWidget(self.busy)

        self.overview = Card()
        top = QHBoxLayout()
        self.ring = ScoreRing(128)
        top.addWidget(self.ring)
        words = QVBoxLayout()
        words.addWidget(label("Match score", "h2"))
        self.summary = label("", selectable=True)
        words.addWidget(self.summary)
        self.counts = QHBoxLayout()
        words.addLayout(self.counts)
        words.addStretch(1)
        top.addSpacing(12)
        top.addLayout(words, 1)
        self.overview.body.addLayout(top)
        self.content.addWidget(self.overview)

        self.requirements_card = Card("Requirements")
        self.requirements = QGridLayout()
        self.requirements.setHorizontalSpacing(14)
        self.requirements.setVerticalSpacing(12)
        self.requirements.setColumnStretch(1, 1)
        self.requirements_card.body.addLayout(self.requirements)
        self.content.addWidget(self.requirements_card)

        self.nice_card = Card("Nice to have (not counted in the match)")
        self.nice = QGridLayout()
        self.nice.setHorizontalSpacing(14)
        self.nice.setVerticalSpacing(12)
        self.nice.setColumnStretch(1, 1)
        self.nice_card.body.addLayout(self.nice)
        self.content.addWidget(self.nice_card)

        self.suggestions_card = Card("Suggestions for your resume")
        self.suggestions = QVBoxLayout()
        self.suggestions_card.body.addLayout(self.suggestions)
        self.content.addWidget(self.suggestions_card)
        self.content.addStretch(1)
        self.waiting()

    def waiting(self) -> None:
        self.banner.hide()
        self.busy.busy("Reading the job description and judging each requirement against your resume…")
        for card in (self.overview, self.requirements_card, self.nice_card, self.suggestions_card):
            card.hide()

    def show_error(self, message: str) -> None:
        self.busy.idle()
        self.banner.show_message(message, "error", "Try again", self.retry_requested.emit)

    def show_session(self, status: SessionStatus) -> None:
        """The analysis the session wrote, or why there is none."""
        if status.gap_analysis is not None:
            self.show_result(status.gap_analysis)
        elif status.status in WORKING:
            self.waiting()
        elif status.status == "failed":
            self._not_written(status.failure_reason)
        else:
            # A session from before the server wrote analyses with the questions.
            self._hide_result()
            self.banner.show_message(
                "This practice has no gap analysis yet.", "info", "Analyse now", self.analyse_requested.emit
            )

    def show_analysis(self, status: GapAnalysisStatus) -> None:
        """An analysis asked for on its own (`POST /gap-analysis`)."""
        if status.result is not None:
            self.show_result(status.result)
        elif status.status in WORKING:
            self.waiting()
        else:
            self._not_written(status.failure_reason)

    def _not_written(self, reason: str | None) -> None:
        self._hide_result()
        self.banner.show_message(
            NOT_WRITTEN,
            "error",
            "Analyse again",
            self.analyse_requested.emit,
            details=reason or "The server gave no reason.",
        )

    def _hide_result(self) -> None:
        self.busy.idle()
        for card in (self.overview, self.requirements_card, self.nice_card, self.suggestions_card):
            card.hide()

    def show_result(self, result: GapAnalysis) -> None:
        self.busy.idle()
        self.banner.hide()
        self.ring.set_value(result.match_score, "of 100")
        self.summary.setText(result.summary)
        clear_layout(self.counts)
        for key in ("met", "partial", "missing"):
            text, kind = STATUS_CHIPS[key]
            count = sum(1 for item in result.requirements if item.status == key)
            self.counts.addWidget(Chip(f"{count} {text.lower()}", kind))
        self.counts.addStretch(1)
        self._fill_requirements(self.requirements, result.requirements)
        self._fill_requirements(self.nice, result.nice_to_have)
        clear_layout(self.suggestions)
        for suggestion in result.resume_suggestions:
            self.suggestions.addWidget(label(f"•  {suggestion}", selectable=True))
        if not result.resume_suggestions:
            self.suggestions.addWidget(
                label("Nothing to add: your resume already covers this job well.", "muted")
            )
        for card in (self.overview, self.requirements_card, self.suggestions_card):
            card.show()
        self.nice_card.setVisible(bool(result.nice_to_have))

    def _fill_requirements(self, grid: QGridLayout, requirements: list[RequirementAssessment]) -> None:
        while grid.count():
            cell = grid.takeAt(0)
            if cell is not None and (widget := cell.widget()) is not None:
                widget.deleteLater()
        for row, item in enumerate(sorted(requirements, key=lambda r: ORDER[r.status])):
            text, kind = STATUS_CHIPS[item.status]
            chip = Chip(text, kind)
            chip.setFixedWidth(78)
            grid.addWidget(chip, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self._requirement_text(item), row, 1)

    def _requirement_text(self, item: RequirementAssessment) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(label(item.requirement, "h3", selectable=True))
        if item.evidence:
            evidence = label(f"Your resume: “{item.evidence}”", selectable=True)
            evidence.setStyleSheet(f"color: {style.MUTED}; font-style: italic;")
        else:
            evidence = label("No evidence of this in your resume.", "muted")
        column.addWidget(evidence)
        return box
