"""The feedback report as rich text: shown in the app and exported to PDF with Qt alone."""

from __future__ import annotations

from html import escape
from pathlib import Path

from app.schemas.feedback import FeedbackReport
from app.schemas.recording import RecordingDetail
from desktop.qt import QMarginsF, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from desktop.text_analysis import IDEAL_BAND, NO_VALUE, filler_spans, pace_verdict
from desktop.views import style

STAR_PARTS = (("Situation", "situation"), ("Task", "task"), ("Action", "action"), ("Result", "result"))


def highlighted_transcript(transcript: str) -> str:
    """The transcript as HTML with every filler word or phrase highlighted."""
    pieces: list[str] = []
    cursor = 0
    for start, end in filler_spans(transcript):
        pieces.append(escape(transcript[cursor:start]))
        pieces.append(
            f'<span style="background-color:{style.FILLER_HIGHLIGHT}; font-weight:600">'
            f"{escape(transcript[start:end])}</span>"
        )
        cursor = end
    pieces.append(escape(transcript[cursor:]))
    return "".join(pieces)


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
    star_rows = "".join(
        f"<h3 style='margin-bottom:2px'>{title}</h3>"
        f"<p style='margin-top:0'>{escape(getattr(star, field))}</p>"
        for title, field in STAR_PARTS
    )
    recommendations = "".join(
        f"<li style='margin-bottom:4px'>{escape(item)}</li>" for item in report.recommendations
    )
    transcript = highlighted_transcript(detail.transcript or "")
    created = detail.created_at.astimezone().strftime("%d %B %Y, %H:%M")
    return f"""
<html><body style="font-family:'DejaVu Sans'; color:{style.INK}; font-size:10pt">
<h1 style="color:{style.PRIMARY}">Ascend AI feedback report</h1>
<p style="color:{style.MUTED}">{escape(created)}</p>
<h2>Question</h2><p>{escape(detail.question_text)}</p>
<h2>Scores</h2><table cellspacing="0">{_metrics_rows(report)}</table>
<h2>STAR breakdown</h2>{star_rows}
<h3>Overall assessment</h3><p>{escape(star.overall_assessment)}</p>
<h2>Recommendations</h2><ol>{recommendations}</ol>
<h2>Your answer</h2>
<p style="color:{style.MUTED}">Filler words ({report.delivery_metrics.filler_word_count}) are highlighted.</p>
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
