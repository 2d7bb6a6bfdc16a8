"""The pinned Qt binding survives what the app does all day: signals emitted by the thousand.

PySide6 6.12.0 dropped a reference to `True` on every `emit()`; a recording's level meter emits
dozens of times a second, and a few hundred emits brought the interpreter down (`bool_dealloc`).
Run in a child interpreter, since that failure is an abort, not an exception.
"""

from __future__ import annotations

import subprocess
import sys

EMITS = 50_000

PROGRAM = f"""
import sys
from PySide6.QtCore import QObject, Signal

class Meter(QObject):
    level = Signal(float)
    saved = Signal(object, float)

meter = Meter()
received = []
meter.level.connect(received.append)
meter.saved.connect(lambda path, seconds: received.append(seconds))
before = sys.getrefcount(True)
for _ in range({EMITS}):
    meter.level.emit(0.5)
    meter.saved.emit("take.wav", 1.0)
assert len(received) == {2 * EMITS}, len(received)
print(sys.getrefcount(True) - before)
"""


def test_signals_emitted_by_the_thousand_leave_the_interpreter_intact() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert abs(int(result.stdout.strip())) < 100, "emit() leaks or drops references to True"
