"""The feedback report as rich text: shown in the app and exported to PDF with Qt alone."""

from __future__ import annotations

from html import escape
from itertools import pairwise
from pathlib import Path

from app.schemas.feedback import FeedbackReport
from app.schemas.recording import RecordingDetail
from desktop.qt import QMarginsF, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from desktop.text_analysis import IDEAL_BAND, NO_VALUE, filler_spans, pace_verdict
from desktop.views import style

STAR_PARTS = (("Situation", "situation"), ("Task", "task"), ("Action", "action"), ("Result", "result"))
# Each component's colour: its coverage chip's and its evidence's in the transcript.
COMPONENT_COLOURS = {"situation": "#1d4ed8", "task": "#7c3aed", "action": "#0f766e", "result": "#b45309"}
COVERAGE_CHIP = {
    "specific": (style.SUCCESS, style.SUCCESS_SOFT),
    "vague": (style.WARNING, style.WARNING_SOFT),
    "barely mentioned": (style.WARNING, style.WARNING_SOFT),
    "missing": (style.DANGER, style.DANGER_SOFT),
}


def evidence_spans(transcript: str, report: FeedbackReport | None) -> list[tuple[int, int, str]]:
    """Where each component's evidence sentences stand in the transcript (they are its own words)."""
    components = report.star_analysis.components if report is not None else None
    if components is None:
        return []
    spans = []
    for _, field in STAR_PARTS:
        cursor = 0
        for sentence in getattr(components, field).evidence:
            start = transcript.find(sentence, cursor)
            if start < 0:
                start = transcript.find(sentence)
            if start >= 0:
                spans.append((start, start + len(sentence), field))
                cursor = start + len(sentence)
    return spans


def highlighted_transcript(transcript: str, report: FeedbackReport | None = None) -> str:
    """The transcript as HTML: every filler word or phrase highlighted, and each STAR component's
    evidence in that component's colour."""
    fillers = filler_spans(transcript)
    evidence = evidence_spans(transcript, report)
    cuts = sorted({0, len(transcript), *(edge for span in fillers for edge in span),
                   *(edge for start, end, _ in evidence for edge in (start, end))})  # fmt: skip
    pieces: list[str] = []
    for start, end in pairwise(cuts):
        text = escape(transcript[start:end])
        component = next((name for low, high, name in evidence if low <= start < high), None)
        styles = []
        if component is not None:
            styles.append(f"color:{COMPONENT_COLOURS[component]}")
        if any(low <= start < high for low, high in fillers):
            styles.append(f"background-color:{style.FILLER_HIGHLIGHT}; font-weight:600")
        pieces.append(f'<span style="{"; ".join(styles)}">{text}</span>' if styles else text)
    return "".join(pieces)


def coverage_chip(coverage: str) -> str:
    ink, soft = COVERAGE_CHIP.get(coverage, (style.MUTED, "#f2f4f7"))
    chip = f"color:{ink}; background-color:{soft}; font-weight:600"
    return f'<span style="{chip}">&nbsp;{escape(coverage)}&nbsp;</span>'


def relevance_html(report: FeedbackReport) -> str:
    """The relevance verdict; a negative one is said first and in the danger colour."""
    if report.relevance is None:
        return ""
    colour = style.MUTED if report.relevance.answers_question else style.DANGER
    return f"<p style='color:{colour}; font-weight:600'>{escape(report.relevance.explanation)}</p>"


def _metrics_rows(report: FeedbackReport) -> str:
    metrics = report.delivery_metrics
    rows = [
        ("Overall score", f"{report.overall_score:.0f} / 100"),
        ("STAR quality", f"{report.star_quality:.0f} / 100" if report.star_quality is not None else NO_VALUE),
        (
            "Delivery quality",
            f"{report.delivery_quality:.0f} / 100" if report.delivery_quality is not None else NO_VALUE,
        ),
        (
            "Pace",
            f"{metrics.words_per_minute:.0f} WPM (ideal {IDEAL_BAND}): "
            + pace_verdict(metrics.words_per_minute),
        ),
        ("Pace rating", f"{metrics.pace_rating:.1f} / 10"),
        ("Filler words", str(metrics.filler_word_count)),
        ("Confidence", f"{metrics.confidence_score:.1f} / 10"),
    ]
    return "".join(
        f"<tr><td style='padding:4px 12px 4px 0; color:{style.MUTED}'>{escape(name)}</td>"
        f"<td style='padding:4px 0'>{escape(value)}</td></tr>"
        for name, value in rows
    )


def report_html(detail: RecordingDetail) -> str:
    """The whole report, for PDF export."""
    report = detail.feedback
    if report is None:
        raise ValueError("this answer has no feedback report yet")
    star = report.star_analysis
    components = star.components
    star_rows = "".join(
        f"<h3 style='margin-bottom:2px'>{title} "
        f"{coverage_chip(getattr(components, field).coverage) if components is not None else ''}</h3>"
        f"<p style='margin-top:0'>{escape(getattr(star, field))}</p>"
        for title, field in STAR_PARTS
    )
    improved = (
        f"<h2>Your answer, in STAR order</h2><p>{escape(report.improved_answer)}</p>"
        if report.improved_answer
        else ""
    )
    recommendations = "".join(
        f"<li style='margin-bottom:4px'>{escape(item)}</li>" for item in report.recommendations
    )
    transcript = highlighted_transcript(detail.transcript or "", report)
    created = detail.created_at.astimezone().strftime("%d %B %Y, %H:%M")
    return f"""
<html><body style="font-family:'DejaVu Sans'; color:{style.INK}; font-size:10pt">
<h1 style="color:{style.PRIMARY}">Ascend AI feedback report</h1>
<p style="color:{style.MUTED}">{escape(created)}</p>
<h2>Question</h2><p>{escape(detail.question_text)}</p>
<h2>Scores</h2><table cellspacing="0">{_metrics_rows(report)}</table>
<h2>STAR breakdown</h2>{relevance_html(report)}{star_rows}
<h3>Overall assessment</h3><p>{escape(star.overall_assessment)}</p>
<h2>Recommendations</h2><ol>{recommendations}</ol>
{improved}
<h2>Your answer</h2>
<p style="color:{style.MUTED}">Filler words ({report.delivery_metrics.filler_word_count}) are highlighted;
each STAR part's sentences are in its colour.</p>
<p style="line-height:140%">{transcript}</p>
</body></html>
"""


def export_pdf(detail: RecordingDetail, target: Path) -> None:
    document = QTextDocument()
    document.setHtml(report_html(detail))
    writer = QPdfWriter(str(target))
    writer.setTitle("Ascend AI feedback report")
    writer.setCreator("Ascend AI")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            # QTextDocument.print_ adds its own 2 cm margins on top of these.
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(300)
    document.print_(writer)
