"""The candidate's answer told again in STAR order, from their own sentences only.

Each component's sentences are kept as said (fillers taken out); a missing component becomes a
bracketed prompt for the fact only the candidate knows, and a vague one keeps its sentences and gains
one. Nothing is invented, and `invented_facts` checks it: a rewrite stating a number or name the
transcript and resume do not give is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.services.coaching.coverage import Coverage
from app.services.coaching.evidence import COMPONENTS
from app.services.coaching.facts import invented_facts
from app.services.coaching.transcript import Unit, without_fillers

MISSING_PROMPTS = {
    "situation": "[Where and when this happened, and what was going wrong.]",
    "task": "[What you were responsible for, and the goal or deadline.]",
    "action": "[The steps you took yourself, one by one.]",
    "result": "[What changed because of it, as a number.]",
}
THIN_PROMPTS = {
    "situation": "[The team or system involved, and a number that shows the problem.]",
    "task": "[Your own part in it, and the target or deadline.]",
    "action": "[What exactly you did: the tool, the change, who you talked to.]",
    "result": "[The result, as a number: time, money, errors or users.]",
}


def _sentence(text: str) -> str:
    cleaned = without_fillers(text)
    return cleaned if cleaned.endswith((".", "!", "?")) else f"{cleaned}."


def compose_improved_answer(evidence: Mapping[str, Sequence[Unit]], coverages: Mapping[str, Coverage]) -> str:
    parts: list[str] = []
    told: set[int] = set()  # a unit standing for two components is told once, at the first
    for component in COMPONENTS:
        said = [unit for unit in evidence.get(component, ()) if without_fillers(unit.text)]
        if not said or coverages[component] == "missing":
            parts.append(MISSING_PROMPTS[component])
            continue
        parts.extend(_sentence(unit.text) for unit in said if unit.index not in told)
        told.update(unit.index for unit in said)
        if coverages[component] != "specific":
            parts.append(THIN_PROMPTS[component])
    return " ".join(parts)


def improved_answer(
    evidence: Mapping[str, Sequence[Unit]],
    coverages: Mapping[str, Coverage],
    transcript: str,
    resume_text: str | None = None,
) -> str | None:
    """The rewrite, or None when it would state a fact the candidate never gave."""
    rewrite = compose_improved_answer(evidence, coverages)
    if invented_facts(rewrite, [transcript, resume_text or ""]):
        return None
    return rewrite
