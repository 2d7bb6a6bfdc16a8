"""A Dockerfile as its list of instructions: continuation lines joined, comments dropped."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON-array form of CMD/ENTRYPOINT/RUN (and the command of a HEALTHCHECK)."""
        start = self.arguments.index("[")
        value = json.loads(self.arguments[start:])
        assert isinstance(value, list)
        return [str(item) for item in value]


@dataclass(frozen=True, slots=True)
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction]

    def all(self, keyword: str) -> list[Instruction]:
        return [item for item in self.instructions if item.keyword == keyword]


def parse(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults (before the first FROM) and the build stages."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    assert not pending, f"{path} ends inside a continued line"

    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        instruction = Instruction(keyword.upper(), arguments.strip())
        if instruction.keyword == "FROM":
            parts = shlex.split(instruction.arguments)
            base = re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], parts[0])
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name, instructions=[]))
        elif not stages:
            assert instruction.keyword == "ARG", f"only ARG may precede FROM, found {instruction.keyword}"
            key, _, default = instruction.arguments.partition("=")
            global_args[key] = default
        else:
            stages[-1].instructions.append(instruction)
    return global_args, stages
