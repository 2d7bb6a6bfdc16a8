"""How well each STAR component is covered, from what its evidence holds, and the spec's points.

The spec's scale: fully present and detailed 25, present but vague 15, mentioned but insufficient 5,
missing 0. "Detailed" is read as concrete: numbers, named systems or people, time frames and, for
actions, several things the candidate did. The thresholds were set on the labelled set's dev part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from app.services.coaching.cues import Specifics, role_cues, specifics
from app.services.coaching.transcript import Unit, without_fillers, word_count

Coverage = Literal["specific", "vague", "barely mentioned", "missing"]
COVERAGE_POINTS: dict[Coverage, int] = {"specific": 25, "vague": 15, "barely mentioned": 5, "missing": 0}
# Fewer words than this is a passing mention, whatever they hold.
MENTION_WORDS = 7
OWNED_TASK_WORDS = 14
# An answer with fewer steps taken in the first person than STORY_STEPS, no more figures, names and
# time frames than STORY_FACTS and less than STORY_PAST_SHARE of its units in the past tense tells no
# story: one step among opinions is an anecdote (the labelled set's figures: docs/coaching.md).
STORY_STEPS = 2
STORY_FACTS = 3
STORY_PAST_SHARE = 3 / 4
_PAST = re.compile(
    r"\b(?:was|were|had|did|went|got|took|made|found|told|came|saw|ran|put|kept|left|[a-z]{3,}ed)\b",
    re.IGNORECASE,
)


def _specific(component: str, found: Specifics, words: int, owned: bool) -> bool:
    if found.vague >= 2 and found.vague >= found.concrete:
        return False
    if component == "result":
        return found.numbers >= 1 or (found.concrete >= 1 and words >= 12)
    if component == "action":
        return (found.actions >= 2 and found.concrete >= 1) or found.concrete >= 2 or found.actions >= 3
    if component == "situation":
        return found.concrete >= 1 and words >= 10
    # A task is specific when it names what the candidate owned and what had to happen, with or
    # without a figure: "it was on me to get it fixed and find out if anyone had abused it".
    return (found.concrete >= 1 and words >= 8) or (owned and words >= OWNED_TASK_WORDS and found.vague == 0)


def coverage(component: str, units: Sequence[Unit]) -> Coverage:
    if not units:
        return "missing"
    text = " ".join(unit.text for unit in units)
    words = word_count(without_fillers(text))
    if words < MENTION_WORDS:
        return "barely mentioned"
    owned = role_cues(text)["task"] > 0
    return "specific" if _specific(component, specifics(text), words, owned) else "vague"


def tells_a_story(units: Sequence[Unit]) -> bool:
    """Whether the answer tells of something that happened: steps the candidate took, enough
    concrete detail, or most of it in the past tense (a story whose actions are left out still names
    its figures and places, and still tells what happened when the transcript garbles them)."""
    if sum(1 for unit in units if role_cues(unit.text)["action"] > 0) >= STORY_STEPS:
        return True
    if sum(specifics(unit.text).concrete for unit in units) > STORY_FACTS:
        return True
    past = sum(1 for unit in units if _PAST.search(without_fillers(unit.text)))
    return bool(units) and past >= STORY_PAST_SHARE * len(units)


def coverages_of(evidence: Mapping[str, Sequence[Unit]], units: Sequence[Unit]) -> dict[str, Coverage]:
    """Each component's coverage; in an answer that tells no story, what reads as a component is an
    opinion or a generality, so it is at most barely mentioned."""
    found = {component: coverage(component, told) for component, told in evidence.items()}
    if tells_a_story(units):
        return found
    cap: Coverage = "barely mentioned"
    return {component: min(value, cap, key=COVERAGE_POINTS.__getitem__) for component, value in found.items()}


def star_quality(coverages: dict[str, Coverage], answers_question: bool) -> float:
    """The spec's sum of component points; an answer to another question keeps half (docs/coaching.md):
    a good story about something else still shows structure, but does not answer what was asked."""
    points = sum(COVERAGE_POINTS[value] for value in coverages.values())
    return float(points if answers_question else points / 2)
