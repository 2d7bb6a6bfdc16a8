"""The mock interview: its questions, the answer being recorded, and sending it."""

from __future__ import annotations

from desktop.answers.store import SavedAnswer
from desktop.audio.backend import InputDevice
from desktop.composition.root import DesktopApp, on_entering, on_leaving
from desktop.qt import QObject
from desktop.settings import SettingKey
from desktop.views.main_window import Screen


class _Interview(QObject):
    def __init__(self, app: DesktopApp) -> None:
        super().__init__(app.window)
        self._app = app

    def answer_submitted(self, _answer: SavedAnswer) -> None:
        self._app.window.interview.upload_finished()
        self._app.controllers.interview.follow()
        self._app.controllers.interview.load_pending()

    def answer_not_sent(self, _answer: SavedAnswer | None, message: str) -> None:
        self._app.window.interview.upload_failed(message)
        self._app.controllers.interview.load_pending()

    def devices_listed(self, devices: list[InputDevice]) -> None:
        if self._app.context.audio is not None:
            preferred = self._app.context.settings.text(SettingKey.INPUT_DEVICE)
            self._app.window.interview.show_devices(devices, preferred)

    def device_chosen(self, name: str) -> None:
        self._app.context.settings.set_text(SettingKey.INPUT_DEVICE, name)


def wire_interview(app: DesktopApp) -> None:
    window, view = app.window, app.window.interview
    controller, flow = app.controllers.interview, app.controllers.answer_flow
    slots = _Interview(app)

    controller.session_updated.connect(view.show_session)
    controller.pending_loaded.connect(view.show_pending)
    controller.failed.connect(view.show_error)
    controller.session_replaced.connect(app.open_session)
    view.retry_requested.connect(controller.follow)
    view.ask_again_requested.connect(controller.ask_again)
    view.answer_opened.connect(app.open_answer)

    view.record_requested.connect(flow.record)
    view.stop_requested.connect(flow.stop)
    view.play_requested.connect(flow.play)
    view.stop_playback_requested.connect(flow.stop_playback)
    view.rerecord_requested.connect(flow.discard)
    view.submit_requested.connect(flow.submit)
    view.cancel_upload_requested.connect(flow.cancel_upload)
    view.resend_requested.connect(flow.upload_again)
    flow.state_changed.connect(view.set_take_state)
    flow.level.connect(view.show_level)
    flow.elapsed.connect(view.show_elapsed)
    flow.take_ready.connect(view.take_ready)
    flow.problem.connect(view.show_problem)
    flow.upload_status.connect(view.upload_busy)
    flow.upload_progress.connect(view.upload_progress)
    flow.submitted.connect(slots.answer_submitted)
    flow.upload_failed.connect(slots.answer_not_sent)

    # The microphones are listed by the settings' controller, for this screen and the settings screen.
    app.controllers.settings.devices_listed.connect(slots.devices_listed)
    view.device_chosen.connect(slots.device_chosen)
    if app.context.audio is None:
        view.audio_unavailable(app.context.audio_problem or "Recording isn't available on this computer.")

    on_entering(window, Screen.INTERVIEW, app.controllers.settings.list_devices)

    def leave() -> None:
        controller.stop()
        flow.stop()

    on_leaving(window, Screen.INTERVIEW, leave)
