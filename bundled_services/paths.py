"""Where Ascend AI keeps a user's data and models on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ascend-ai"


def data_dir_path() -> Path:
    """The per-user data dir (`ASCEND_DATA_DIR` overrides), whether or not it exists yet."""
    override = os.environ.get("ASCEND_DATA_DIR")
    return Path(override).expanduser() if override else platformdirs.user_data_path(APP_NAME)


# One folder of models for `make run`, `ascend serve`, the desktop app and every data dir
# (~/.cache/ascend-models on Linux): they are large, the same everywhere, and rebuilt from PyPI at need.
MODELS_DIR_NAME = "ascend-models"


def models_dir_path() -> Path:
    """Where provisioned models live (`ASCEND_MODELS_DIR` overrides)."""
    override = os.environ.get("ASCEND_MODELS_DIR")
    return Path(override).expanduser() if override else platformdirs.user_cache_path(MODELS_DIR_NAME)


def data_dir() -> Path:
    """The per-user data dir, created private to the user."""
    path = data_dir_path()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def models_dir() -> Path:
    path = models_dir_path()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
