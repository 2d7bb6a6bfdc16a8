"""Each screen rendered in the main window with realistic data, saved for the README and checked by eye."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from desktop.answers.store import SavedAnswer
from desktop.audio.backend import InputDevice
from desktop.composition.root import DesktopApp
from desktop.connection.model_status import ModelStatus
from desktop.controllers.home import History
from desktop.controllers.practice import ResumeCheck
from desktop.qt import QLabel, QWidget
from desktop.report import COMPONENT_COLOURS, export_pdf
from desktop.settings import Mode
from desktop.views import style
from desktop.views.main_window import MainWindow, Screen
from tests.desktop import samples

Screenshot = Callable[[QWidget, str], Path]


def present(window: MainWindow, screen: Screen, height: int = 820) -> None:
    window.pages.setCurrentIndex(screen)
    for target, entry in window.nav.items():
        entry.setChecked(target is screen)
    window.resize(1180, height)


def test_home_screen(window: MainWindow, screenshot: Screenshot) -> None:
    sessions, answers = samples.history()
    window.home.greet("Jordan")
    window.home.show_history(History(sessions, answers))
    present(window, Screen.HOME, 900)
    assert window.home.sessions.count() == 3
    assert window.home.answers.count() == 8
    assert window.home.chart.points()[-1][1] == 78
    screenshot(window, "home")


def test_new_practice_screen(window: MainWindow, screenshot: Screenshot, tmp_path: Path) -> None:
    resume = tmp_path / "jordan-rivera-resume.pdf"
    view = window.practice
    view.show_resumes([])
    view.show_resume_check(ResumeCheck(resume, 184_320, None))
    view.show_job_description(samples.JOB_DESCRIPTION)
    present(window, Screen.PRACTICE)
    assert view.start.isEnabled()
    screenshot(window, "new-practice")


def test_new_practice_refuses_what_the_server_would(window: MainWindow, tmp_path: Path) -> None:
    view = window.practice
    big = tmp_path / "resume.pdf"
    view.show_resume_check(
        ResumeCheck(big, 6 * 1024 * 1024, "“resume.pdf” is 6.0 MB; resumes can be at most 5.0 MB.")
    )
    view.show_job_description("Too short.")
    assert not view.start.isEnabled()
    assert "5.0 MB" in view.resume_label.text()
    assert "at least 50" in view.counter.text()


def test_gap_analysis_screen(window: MainWindow, screenshot: Screenshot) -> None:
    gap = window.gap
    gap.show_session(samples.practice_session("processing"))
    assert not gap.busy.isHidden()
    assert gap.overview.isHidden()

    # The session's job wrote the analysis before the questions: the screen shows it at once.
    gap.show_session(samples.practice_session("processing", samples.gap_analysis()))
    present(window, Screen.GAP, 960)
    assert gap.busy.isHidden()
    assert gap.banner.isHidden()
    assert gap.summary.text().startswith("Strong backend")
    chips = [item.widget() for index in range(3) if (item := gap.counts.itemAt(index)) is not None]
    assert [chip.text() for chip in chips if isinstance(chip, QLabel)] == ["2 met", "2 partial", "3 missing"]
    # Nice-to-have items are listed apart: none of them is in the counts above.
    assert not gap.nice_card.isHidden()
    nice = [widget.text() for widget in gap.nice_card.findChildren(QLabel) if widget.objectName() == "h3"]
    assert nice == ["PCI DSS compliance"]
    screenshot(window, "gap-analysis")


def test_a_session_that_failed_before_its_gap_analysis_offers_a_fresh_one(window: MainWindow) -> None:
    gap = window.gap
    asked: list[bool] = []
    gap.analyse_requested.connect(lambda: asked.append(True))
    reason = "The coaching model could not produce a usable answer: connection failed"
    gap.show_session(samples.practice_session("failed", failure_reason=reason))
    assert gap.banner.text.text() == "The gap analysis for this practice couldn't be written."
    assert gap.banner.details.text() == reason
    assert gap.overview.isHidden()
    assert gap.next.isEnabled(), "the interview is still open to a question of the candidate's own"
    gap.banner.action.click()
    assert asked == [True]

    gap.show_analysis(samples.standalone_gap_analysis("processing"))
    assert not gap.busy.isHidden()
    assert gap.banner.isHidden()
    gap.show_analysis(samples.standalone_gap_analysis("failed", "The knowledge base model is not available"))
    assert gap.banner.details.text() == "The knowledge base model is not available"
    assert gap.banner.action.text() == "Analyse again"
    gap.show_analysis(samples.standalone_gap_analysis("complete"))
    assert not gap.overview.isHidden()
    assert gap.banner.isHidden()


def test_feedback_report_screen(window: MainWindow, screenshot: Screenshot) -> None:
    view = window.feedback
    view.show_detail(samples.recording_detail())
    present(window, Screen.FEEDBACK, 1320)
    assert view.export.isEnabled()
    assert view.wpm.text() == "171 WPM"
    assert view.transcript.text().count("background-color") == 4  # um, like, you know, sort of
    # Each component's evidence is in its colour in the transcript, and its coverage is on its heading.
    for part, colour in COMPONENT_COLOURS.items():
        assert f"color:{colour}" in view.transcript.text(), part
    headings = [widget.text() for widget in view.star.findChildren(QLabel) if widget.objectName() == "h3"]
    assert any("Task" in heading and "vague" in heading for heading in headings), headings
    assert not view.improved.isHidden()
    assert view.improved_text.text().startswith("At my last company")
    assert "speaks to the question" in view.relevance.text()
    screenshot(window, "feedback-report")


def test_an_answer_to_another_question_is_told_so_before_the_star_breakdown(window: MainWindow) -> None:
    view = window.feedback
    detail = samples.recording_detail().model_copy(
        update={"feedback": samples.feedback_report(answers_question=False)}
    )
    view.show_detail(detail)
    present(window, Screen.FEEDBACK, 1320)
    assert not view.relevance.isHidden()
    assert "tells about something else" in view.relevance.text()
    assert style.DANGER in view.relevance.text()
    star_body = view.star.body
    assert star_body.indexOf(view.relevance) < star_body.indexOf(view.assessment)


def test_feedback_report_exports_to_pdf(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    export_pdf(samples.recording_detail(), target)
    # Qt places each word separately; pypdf joins them with tabs.
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(target).pages).split())
    assert "Ascend AI feedback report" in text
    assert "STAR breakdown" in text
    assert "171 WPM" in text
    assert "a short silent pause" in text
    assert "payments API" in text
    assert "Your answer, in STAR order" in text
    assert "[Your own part in it, and the target or deadline.]" in text


def test_settings_screen(window: MainWindow, screenshot: Screenshot, tmp_path: Path) -> None:
    view = window.settings_view
    view.show_connection(Mode.EMBEDDED, "http://127.0.0.1:8000/api/v1", "Signed in as Jordan Rivera.")
    view.show_data_dir(Path.home() / ".local/share/ascend-ai")
    view.show_models(
        [
            ModelStatus("Speech-to-text", "Whisper base.en", True, "Running at 127.0.0.1:41233"),
            ModelStatus(
                "Feedback and questions",
                "llama3",
                False,
                "Not answering: reports will fail until it is back.",
            ),
        ]
    )
    view.show_devices([InputDevice(0, "Built-in microphone", True), InputDevice(2, "USB headset", False)], "")
    present(window, Screen.SETTINGS, 960)
    assert not view.url.isEnabled()
    screenshot(window, "settings")


def test_interview_screen_with_generated_questions(
    qtbot: QtBot, signed_in_app: DesktopApp, screenshot: Screenshot
) -> None:
    questions = [
        "Tell me about a time you led a migration that other teams depended on.",
        "Describe a production incident you led. What did you change afterwards?",
        "Tell me about a time you improved the performance of a system under pressure.",
        "How have you helped a struggling engineer grow?",
        "Describe a disagreement with a product manager and how you resolved it.",
        "Tell me about a decision you made with incomplete information.",
    ]
    app = signed_in_app
    window, flow = app.window, app.controllers.answer_flow
    window.interview.reset()
    flow.set_session(samples.SESSION_ID)
    window.interview.show_session(samples.session_status(questions))
    window.interview.show_devices(app.context.audio.input_devices() if app.context.audio else [], "")
    window.interview.next.click()
    window.interview.next.click()
    present(window, Screen.INTERVIEW, 860)
    window.interview.record.click()
    qtbot.waitUntil(lambda: window.interview.meter.level > 0.5, timeout=5_000)
    # The picture shows a take under way: its clock past the first second.
    qtbot.waitUntil(lambda: window.interview.timer.text() >= "00:01", timeout=5_000)
    assert window.interview.position.text() == "Question 3 of 6"
    screenshot(window, "interview-questions")
    with qtbot.waitSignal(flow.take_ready, timeout=5_000):
        window.interview.record.click()


def test_home_offers_to_send_answers_that_never_reached_the_server(
    window: MainWindow, tmp_path: Path
) -> None:
    sessions, answers = samples.history()
    wav = tmp_path / "take.wav"
    wav.write_bytes(b"RIFF")
    unsent = SavedAnswer(wav, sessions[1].session_id, "Why us?", samples.NOW, last_error="offline")
    opened: list[object] = []
    window.home.session_opened.connect(opened.append)
    window.home.show_history(History(sessions, answers, [unsent]))
    assert window.home.banner.text.text().startswith("1 recorded answer hasn't reached the server yet.")
    window.home.banner.action.click()
    assert opened == [sessions[1].session_id]
