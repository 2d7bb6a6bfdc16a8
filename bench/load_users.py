"""Locust's users for `bench.bench_load`, which starts the server, signs the users up and runs Locust on
this file; not meant to be run alone.

- `Reader`: a signed-in desktop client reading its own data: mostly polling its session (as the app does
  every 2 s while a report is on its way), now and then its answer, resume and lists.
- `Uploader`: one resume upload per user; every user waits until all have spawned, so the uploads are
  in flight together, and the last one to finish ends the run.

Read from the environment: ASCEND_LOAD_ACCOUNTS (the accounts file bench_load writes),
ASCEND_LOAD_RESUME (the PDF to upload), ASCEND_LOAD_THINK_SECONDS (a reader's mean pause between requests),
ASCEND_LOAD_RESULT (where the upload burst's wall time is written).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

ACCOUNTS: dict[str, Any] = json.loads(Path(os.environ["ASCEND_LOAD_ACCOUNTS"]).read_text())
THINK_SECONDS = float(os.environ.get("ASCEND_LOAD_THINK_SECONDS", "0"))

_next_reader = itertools.count()
_next_uploader = itertools.count()
_arrived_uploaders = itertools.count(1)
_finished_uploads = itertools.count(1)
# Locust patches threading for gevent, so this Event parks a user's greenlet, not a thread.
_released = threading.Event()
_released_at: list[float] = []


class Reader(FastHttpUser):
    # Spread around the mean: clients polling on their own clocks do not arrive in lockstep.
    wait_time = between(THINK_SECONDS / 2, THINK_SECONDS * 3 / 2) if THINK_SECONDS else constant(0)

    def on_start(self) -> None:
        readers = ACCOUNTS["readers"]
        account = readers[next(_next_reader) % len(readers)]
        self.auth = {"Authorization": f"Bearer {account['token']}"}
        self.session_id = account["session_id"]
        self.resume_id = account["resume_id"]
        self.recording_id = account["recording_id"]

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.auth, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(4)
    def session(self) -> None:
        self._get(f"/api/v1/sessions/{self.session_id}", "GET /api/v1/sessions/{id}")

    @task(2)
    def recording(self) -> None:
        self._get(f"/api/v1/recordings/{self.recording_id}", "GET /api/v1/recordings/{id}")

    @task(1)
    def resume(self) -> None:
        self._get(f"/api/v1/resumes/{self.resume_id}", "GET /api/v1/resumes/{id}")

    @task(1)
    def sessions(self) -> None:
        self._get("/api/v1/sessions", "GET /api/v1/sessions")

    @task(1)
    def resumes(self) -> None:
        self._get("/api/v1/resumes", "GET /api/v1/resumes")


class Uploader(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        uploaders = ACCOUNTS["uploaders"]
        self.auth = {"Authorization": f"Bearer {uploaders[next(_next_uploader)]}"}
        self.resume = Path(os.environ["ASCEND_LOAD_RESUME"]).read_bytes()
        # The last user to arrive releases them all.
        if next(_arrived_uploaders) == len(uploaders):
            _released_at.append(time.monotonic())
            _released.set()

    @task
    def upload(self) -> None:
        _released.wait()
        with self.client.post(
            "/api/v1/resumes",
            files={"file": ("resume.pdf", self.resume, "application/pdf")},
            headers=self.auth,
            name="POST /api/v1/resumes",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
        if next(_finished_uploads) == len(ACCOUNTS["uploaders"]):
            seconds = time.monotonic() - _released_at[0]
            Path(os.environ["ASCEND_LOAD_RESULT"]).write_text(json.dumps({"burst_seconds": seconds}))
            runner = self.environment.runner
            if runner is not None:
                # From a greenlet of its own: quitting stops every user, this one included.
                threading.Thread(target=runner.quit).start()
        raise StopUser
