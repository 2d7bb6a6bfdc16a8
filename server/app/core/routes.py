"""Matching a request against an endpoint's path template, for middleware that runs before routing."""

from __future__ import annotations

import re
from functools import lru_cache

from starlette.types import Scope


def route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


@lru_cache(maxsize=64)
def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))


def path_matches(template: str, path: str) -> bool:
    """Whether `path` is an instance of `template` ("/sessions/{session_id}/recordings")."""
    return _template_pattern(template).fullmatch(path.rstrip("/") or "/") is not None
