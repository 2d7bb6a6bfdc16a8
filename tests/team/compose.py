"""Reading docker-compose.yml as Compose does: YAML (anchors, merge keys) and `${...}` interpolation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"

# $$ is a literal dollar; ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}.
_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariableError(ValueError):
    pass


def load_compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


def interpolate(value: str, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        present = name in env
        empty = not env.get(name)
        if op in (":?", "?") and (not present or (op == ":?" and empty)):
            raise MissingVariableError(f"{name}: {arg}")
        if op in (":-", "-") and (not present or (op == ":-" and empty)):
            return interpolate(arg, env)
        return env.get(name, "")

    return _INTERPOLATION.sub(substitute, value)


def variables(value: str) -> list[tuple[str, str | None]]:
    """Every `${NAME...}` in the text, with its operator (None for a bare `${NAME}`)."""
    return [
        (match.group("name"), match.group("op"))
        for match in _INTERPOLATION.finditer(value)
        if match.group(0) != "$$"
    ]


def strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, Mapping):
        return [text for key, value in node.items() for text in (*strings(key), *strings(value))]
    if isinstance(node, list):
        return [text for item in node for text in strings(item)]
    return []
