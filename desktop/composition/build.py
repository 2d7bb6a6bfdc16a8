"""Builds the app: the controllers, the window with its screens, and every connection between them."""

from __future__ import annotations

from desktop.composition.feedback import wire_feedback
from desktop.composition.gap import wire_gap
from desktop.composition.home import wire_home
from desktop.composition.interview import wire_interview
from desktop.composition.practice import wire_practice
from desktop.composition.root import Controllers, DesktopApp
from desktop.composition.settings import wire_settings
from desktop.composition.startup import wire_startup
from desktop.connection.embedded import StackFactory, default_stack
from desktop.context import AppContext
from desktop.settings import SettingKey
from desktop.views.main_window import MainWindow

SCREEN_WIRING = (
    wire_startup,
    wire_home,
    wire_practice,
    wire_gap,
    wire_interview,
    wire_feedback,
    wire_settings,
)


def build_app(
    context: AppContext,
    stack_factory: StackFactory = default_stack,
    *,
    can_download_models: bool | None = None,
) -> DesktopApp:
    """The app, wired and not started: show `app.window`, then `app.start()`.

    `can_download_models`: whether the stack can fetch missing models itself (default: whether pip is
    there, which it is not in the desktop bundle)."""
    window = MainWindow()
    app = DesktopApp(
        context,
        Controllers.create(context, stack_factory),
        window,
        can_download_models=can_download_models,
    )
    for wire in SCREEN_WIRING:
        wire(app)
    window.restore_encoded_geometry(context.settings.text(SettingKey.WINDOW_GEOMETRY))
    return app
