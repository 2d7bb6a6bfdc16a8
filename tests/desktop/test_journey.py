"""A new user's practice loop on a laptop whose language model isn't running, through the real app.

The app starts every service itself, signs the local user in, takes a resume and a job description,
records a spoken answer through PulseAudio, uploads it, and the stack's real speech recogniser
transcribes it. The language model is configured at an address nothing listens on (see embedded_env),
so the gap analysis, the questions and the feedback report all end `failed`: the app must say so in
words, show the transcript it did get, and still let the candidate practise with a question of their
own. (The same loop with a model: test_journey_with_model.)
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from bundled_services.local_user import LOCAL_DOMAIN
from desktop.composition.root import DesktopApp
from desktop.qt import QAbstractButton
from desktop.settings import SettingKey
from desktop.views.gap import NOT_WRITTEN
from desktop.views.home import ID_ROLE
from desktop.views.main_window import Screen
from tests.desktop import samples
from tests.desktop.journey import (
    TRANSCRIBED_NO_REPORT,
    Screenshot,
    answer_failed,
    answer_notes,
    click,
    current,
    record_answer,
    session_settled,
    sign_in_to_team_server,
    standalone_settled,
    wav_stats,
)
from tests.desktop.virtual_mic import VirtualMicrophone
from tests.files import make_pdf

OWN_QUESTION = "Tell me about a time you improved the performance of a system under pressure."


def test_without_a_model_the_app_says_so_and_still_records_and_transcribes(
    qtbot: QtBot,
    fresh_app: DesktopApp,
    microphone: VirtualMicrophone,
    screenshot: Screenshot,
    workspace: Path,
) -> None:
    app = fresh_app
    window = app.window
    app.context.settings.set_text(SettingKey.INPUT_DEVICE, "default")

    # Start-up: every service comes up on screen, then the local user is signed in with no login.
    app.start()
    qtbot.waitUntil(lambda: len(window.startup.step_texts()) >= 4, timeout=60_000)
    screenshot(window, "startup")
    qtbot.waitUntil(lambda: current(window) is Screen.HOME, timeout=120_000)
    steps = window.startup.step_texts()
    for service in (
        "Starting the database",
        "Loading the speech recognition model",
        "Starting the background worker and the API",
    ):
        assert service in steps
    assert "Loading the language model" not in steps
    assert steps[-1] == "Signing you in"
    assert app.context.user is not None
    assert app.context.user.email.endswith(f"@{LOCAL_DOMAIN}")

    # New practice: a PDF resume and a pasted job description.
    click(window.nav[Screen.PRACTICE])
    resume = workspace / "jordan-rivera-resume.pdf"
    resume.write_bytes(make_pdf())
    window.practice.choose_resume(resume)
    qtbot.waitUntil(lambda: "MB of 5 MB" in window.practice.resume_label.text(), timeout=10_000)
    window.practice.job.setPlainText(samples.JOB_DESCRIPTION)
    click(window.practice.start)
    qtbot.waitUntil(lambda: current(window) is Screen.GAP, timeout=30_000)

    # Gap analysis: the session's job fails at the model; the screen says so, and a fresh analysis
    # asked for on its own (POST /gap-analysis, then GET /gap-analysis/{id}) is followed until the
    # server gives its verdict, which fails the same way.
    gap, following = window.gap, app.controllers.gap
    qtbot.waitUntil(lambda: session_settled(app), timeout=90_000)
    session = following.latest
    assert session is not None
    assert session.status == "failed"
    assert session.gap_analysis is None
    qtbot.waitUntil(lambda: gap.banner.text.text() == NOT_WRITTEN, timeout=10_000)
    assert gap.banner.details.text() == session.failure_reason
    assert gap.overview.isHidden()
    assert "Traceback" not in gap.banner.details.text()
    click(gap.banner.action)
    qtbot.waitUntil(lambda: standalone_settled(app), timeout=120_000)
    standalone = following.latest_analysis
    assert standalone is not None
    assert standalone.analysis_id == following.analysis_id
    assert standalone.resume_id == session.resume_id
    assert standalone.status == "failed"
    assert standalone.result is None
    qtbot.waitUntil(lambda: gap.banner.details.text() == standalone.failure_reason, timeout=10_000)
    assert gap.banner.text.text() == NOT_WRITTEN
    assert gap.banner.action.text() == "Analyse again"
    screenshot(window, "gap-analysis-not-written")
    click(gap.next)
    assert current(window) is Screen.INTERVIEW

    # Interview: the questions couldn't be written; the app says why and offers the candidate's own
    # question instead.
    view = window.interview
    qtbot.waitUntil(view.question_busy.isHidden, timeout=90_000)
    assert not view.own_question.isHidden()
    assert "question of your own" in view.banner.text.text()
    assert view.banner.action.text() == "Ask for questions again"
    view.own_question.setText(OWN_QUESTION)
    qtbot.waitUntil(lambda: view.selected_device() is not None, timeout=10_000)

    # Record, listen back, decide to record again, then submit.
    record_answer(qtbot, window, microphone, None)
    click(view.play)
    qtbot.waitUntil(lambda: view.play.text().endswith("Play back") and view.play.isEnabled(), timeout=30_000)
    click(view.rerecord)
    assert not view.submit.isEnabled()
    record_answer(qtbot, window, microphone, screenshot)
    take = app.controllers.answer_flow.take
    assert take is not None
    seconds, loudness = wav_stats(take)
    assert seconds > 5
    assert loudness > 300, "the recording is silent: the virtual microphone didn't reach the app"
    click(view.submit)

    # The answer is kept on disk first and is marked uploaded once the server has it.
    qtbot.waitUntil(lambda: "Answer sent" in view.take_note.text(), timeout=60_000)
    qtbot.waitUntil(
        lambda: bool(app.controllers.interview.latest and app.controllers.interview.latest.results)
    )
    latest = app.controllers.interview.latest
    assert latest is not None
    recording_id = latest.results[0].recording_id
    kept = app.context.answers.find_by_recording(recording_id)
    assert kept is not None
    assert kept.wav_path == take
    assert kept.question == OWN_QUESTION

    # Whisper transcribes the answer; the report can't be written without the language model.
    qtbot.waitUntil(lambda: answer_failed(app), timeout=150_000)
    qtbot.waitUntil(lambda: answer_notes(view)[:1] == [TRANSCRIBED_NO_REPORT])

    # The feedback screen shows the transcript with its fillers, explains the missing report and
    # offers to check again; no traceback anywhere.
    app.open_answer(recording_id)
    qtbot.waitUntil(lambda: not window.feedback.banner.isHidden(), timeout=30_000)
    message = window.feedback.banner.text.text()
    assert message.startswith("The feedback report for this answer couldn't be written")
    assert "Traceback" not in message
    assert not window.feedback.transcript_card.isHidden()
    transcript = window.feedback.detail.transcript if window.feedback.detail else ""
    assert "payment" in (transcript or "").lower()
    assert "background-color" in window.feedback.transcript.text(), "the spoken fillers were not highlighted"
    screenshot(window, "feedback-without-report")

    # Home lists the session and the answer.
    click(window.nav[Screen.HOME])
    qtbot.waitUntil(
        lambda: window.home.answers.count() == 1 and bool(window.home.answers.item(0).data(ID_ROLE))
    )
    assert window.home.sessions.count() == 1

    # The same server, used as a team server by a second copy of the app with a pasted token.
    sign_in_to_team_server(qtbot, app, workspace)

    # Settings: the models' state is reported, and "delete all my data" leaves an empty account.
    click(window.nav[Screen.SETTINGS])
    qtbot.waitUntil(lambda: window.settings_view.models.count() == 2, timeout=30_000)
    click(window.settings_view.delete)
    assert window.settings_view.confirm_box is not None
    window.settings_view.confirm_box.done(0)
    click(window.settings_view.delete)
    assert isinstance(window.settings_view.confirm_button, QAbstractButton)
    click(window.settings_view.confirm_button)
    qtbot.waitUntil(lambda: current(window) is Screen.HOME, timeout=60_000)
    qtbot.waitUntil(
        lambda: window.home.answers.count() == 1 and not window.home.answers.item(0).data(ID_ROLE)
    )
    assert not kept.wav_path.exists()
