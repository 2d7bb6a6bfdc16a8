"""Where Ascend AI keeps a user's data and models on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ascend-ai"


def data_dir() -> Path:
    """The per-user data dir (`ASCEND_DATA_DIR` overrides), created private to the user."""
    override = os.environ.get("ASCEND_DATA_DIR")
    path = Path(override).expanduser() if override else platformdirs.user_data_path(APP_NAME)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def models_dir() -> Path:
    """Where provisioned models live (`ASCEND_MODELS_DIR` overrides, so CI can share one copy)."""
    override = os.environ.get("ASCEND_MODELS_DIR")
    path = Path(override).expanduser() if override else data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
