"""The one place that knows how to run one of this program's Python modules as a child process.

From a checkout or a virtualenv that is `python -m MODULE`. In the PyInstaller bundle there is no
Python interpreter to hand `-m` to: `sys.executable` is the bundle's own executable, whose entry
script (`installer/ascend_entry.py`) runs the module named after `--run-module` the way `-m` would.
"""

from __future__ import annotations

import importlib.util
import sys

RUN_MODULE_FLAG = "--run-module"


def is_frozen() -> bool:
    """Whether this process is the PyInstaller bundle rather than a Python interpreter."""
    return bool(getattr(sys, "frozen", False))


def module_command(module: str) -> list[str]:
    """The argv prefix that runs `module` as `__main__` in a new process; append its arguments."""
    if is_frozen():
        return [sys.executable, RUN_MODULE_FLAG, module]
    return [sys.executable, "-m", module]


def pip_available() -> bool:
    """Whether `python -m pip` can run here; the bundle carries no pip, so models come from files there."""
    return not is_frozen() and importlib.util.find_spec("pip") is not None
