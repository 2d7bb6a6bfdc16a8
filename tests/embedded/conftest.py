"""Fixtures for the embedded-mode tests: a short private scratch dir per module, and `ascend serve` runs
that never outlive their test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from bundled_services.models import knowledge_base_fingerprint
from bundled_services.supervisor.stack import KNOWLEDGE_BASE_DIR, KNOWLEDGE_BASE_MARKER
from tests.embedded.serve_process import ServeProcess

StartServe = Callable[..., ServeProcess]


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    # Short and under /tmp: PostgreSQL's socket lives in its data dir, and a Unix socket path must
    # stay under 108 bytes (pytest's own tmp paths grow with the test's name).
    root = Path(tempfile.mkdtemp(prefix="ascend-emb-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def skip_seeding(data_dir: Path) -> None:
    """Mark the knowledge base as seeded: embedding every guide takes minutes on two cores, and only the
    end-to-end test (which seeds on its fresh data dir) reads it."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (data_dir / KNOWLEDGE_BASE_MARKER).write_text(knowledge_base_fingerprint(KNOWLEDGE_BASE_DIR) + "\n")


@pytest.fixture
def start_serve() -> Iterator[StartServe]:
    """Start `ascend serve` processes; any still running at the end of the test is stopped."""
    started: list[ServeProcess] = []

    def start(data_dir: Path, env: Mapping[str, str], *args: str) -> ServeProcess:
        process = ServeProcess.start(data_dir, env, *args)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.cleanup()
