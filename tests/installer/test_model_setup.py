"""The desktop app's first-run screen: the models brought in from a folder, with progress, then the start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from bundled_services.provisioning import embedding_model, whisper_model
from desktop.composition.build import build_app
from desktop.context import AppContext
from desktop.controllers.model_setup import PROGRESS_SCALE, ModelSetupController, needs_model_setup
from desktop.qt import QSettings
from desktop.settings import AppSettings
from desktop.tasks import TaskRunner
from desktop.views.model_setup import ModelSetupView
from tests.desktop.embedded_env import inherited_server_settings
from tests.installer.conftest import SMALL

WHISPER = whisper_model.RECIPES["base"]


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    created = TaskRunner()
    yield created
    created.cancel_all()
    assert created.wait(30_000), "background tasks were still running after the test"


@pytest.fixture
def empty_models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "models"
    monkeypatch.setenv("ASCEND_MODELS_DIR", str(folder))
    # As on a laptop: none of the suite's own service settings, which would tell the app that speech
    # recognition and the language model run elsewhere (and so need no models here).
    for key in inherited_server_settings():
        monkeypatch.delenv(key)
    return folder


def test_the_screen_appears_only_where_models_are_missing_and_cannot_be_fetched(
    empty_models_dir: Path, exported: Path
) -> None:
    assert [model.kind for model in needs_model_setup(SMALL, can_download=False)] == [
        "language",
        "speech",
        "embedding",
    ]
    # From a checkout the stack assembles them from the registry itself.
    assert needs_model_setup(SMALL, can_download=True) == []


def test_choosing_the_folder_imports_the_models_with_progress(
    qtbot: QtBot, runner: TaskRunner, empty_models_dir: Path, exported: Path
) -> None:
    # The language model given by path: the screen then needs the speech and embedding models.
    environ = {"ASCEND_LLM_MODEL": str(exported / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")}
    view = ModelSetupView()
    qtbot.addWidget(view)
    controller = ModelSetupController(runner, environ)
    started: list[str] = []
    values: list[int] = []
    controller.model_started.connect(started.append)
    controller.progress.connect(view.progress)
    controller.progress.connect(lambda done, _total: values.append(done))
    controller.model_started.connect(view.model_started)
    view.show_needed(needs_model_setup(environ, can_download=False))
    view.show()
    assert "Whisper base" in view.needed.text()
    assert embedding_model.MODEL_DIRNAME in view.needed.text()

    view.folder_chosen.connect(view.importing)
    view.folder_chosen.connect(controller.import_from)
    with qtbot.waitSignal(controller.finished, timeout=120_000):
        view.folder_chosen.emit(exported)
    view.done()

    assert started == [f"Whisper {WHISPER.name}", embedding_model.MODEL_DIRNAME]
    assert values == sorted(values), "the bar only moves forward"
    assert values[-1] == PROGRESS_SCALE
    assert view.bar.value() == PROGRESS_SCALE
    assert needs_model_setup(environ, can_download=False) == []
    assert embedding_model.problems(empty_models_dir / embedding_model.MODEL_DIRNAME) == []


def test_a_folder_without_the_models_is_explained_and_can_be_chosen_again(
    qtbot: QtBot, runner: TaskRunner, empty_models_dir: Path, tmp_path: Path
) -> None:
    view = ModelSetupView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    controller = ModelSetupController(runner, SMALL)
    controller.failed.connect(view.failed)
    empty = tmp_path / "usb-stick"
    empty.mkdir()
    view.importing(empty)
    assert not view.choose.isEnabled()
    with qtbot.waitSignal(controller.failed, timeout=30_000) as failed:
        controller.import_from(empty)
    message = str(failed.args[0]) if failed.args else ""
    assert str(empty) in message
    assert WHISPER.filename in message
    assert view.banner.isVisible()
    assert view.banner.text.text() == message
    assert view.choose.isEnabled()
    assert not controller.busy


def test_the_window_opens_on_the_first_run_screen_and_closes_from_it(
    qtbot: QtBot, runner: TaskRunner, empty_models_dir: Path, tmp_path: Path
) -> None:
    settings = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    context = AppContext(settings=settings, runner=runner, data_dir=data_dir, audio=None)
    # As in the bundle: the models are missing and there is no pip to fetch them with.
    app = build_app(context, can_download_models=False)
    window = app.window
    qtbot.addWidget(window)
    window.show()
    app.start()
    assert window.pages.currentWidget() is window.model_setup
    assert not app.controllers.connection.embedded.starting, "the stack waits for its models"
    assert "Whisper base" in window.model_setup.needed.text()
    # Closing from here (no stack to stop) closes the window rather than leaving it half-closed.
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
