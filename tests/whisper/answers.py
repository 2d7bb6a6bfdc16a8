"""Scripted interview answers with marked filler words, for generating test speech.

Fillers are written in braces, e.g. "{um}" or "{you know}". The text has no digits or
contractions, which Whisper may legitimately render differently from the script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FILLER = re.compile(r"\{([^}]+)\}")

# How espeak-ng is asked to say a filler so that it sounds like one: spelled "umm" it comes
# out as a hummed "um" that Whisper writes as "um" (measured with en-us). "uh" is fine as it
# is, but only set off by commas: run into the next word, espeak makes "uh when" sound like
# "up where", which is why the scripts put commas around the hesitation sounds, as a
# speaker's pauses would.
_SPOKEN = {"um": "umm", "uh": "uh"}


@dataclass(frozen=True)
class Answer:
    name: str
    markup: str

    @property
    def spoken(self) -> str:
        """The text for the speech synthesiser."""
        return _FILLER.sub(lambda m: _SPOKEN.get(m.group(1), m.group(1)), self.markup)

    @property
    def reference(self) -> str:
        """What a verbatim transcript should say."""
        return _FILLER.sub(lambda m: m.group(1), self.markup)

    @property
    def fillers(self) -> list[str]:
        return _FILLER.findall(self.markup)


MIGRATION = Answer(
    "migration",
    "{um}, so the project I am most proud of was a migration of our billing system. {uh}, when I "
    "joined the team, the old system was, {like}, really fragile, and every release {kind of} felt "
    "risky. {you know}, nobody wanted to touch it. Every time something failed in production, the "
    "same two people had to stay late and fix it by hand, and they were, {uh}, pretty tired of it. "
    "I started by writing tests around the parts that broke most often, and that gave us, {um}, "
    "enough confidence to move one module at a time. The hardest part was {sort of} convincing the "
    "product manager that we needed a whole quarter without new features. {uh}, I put together a "
    "simple chart of the incidents we had each week, and, {like}, once she saw it she agreed right "
    "away. In the end we finished a little early, the incidents almost disappeared, and, {you know}, "
    "the team actually started enjoying releases again. What I learned is that, {um}, data wins "
    "arguments much faster than opinions do.",
)

STRENGTH = Answer(
    "strength",
    "My biggest strength is, {um}, staying calm under pressure. When our main server went down "
    "during a launch, I {kind of} took charge, split the work between the engineers, and we were "
    "back online within the hour.",
)

WEAKNESS = Answer(
    "weakness",
    "{uh}, I would say my weakness is that I, {like}, take on too much myself. {you know}, I used to "
    "think that asking for help was a sign of weakness, but I have learned to delegate {sort of} "
    "earlier now.",
)

MOTIVATION = Answer(
    "motivation",
    "{um}, I want to join your company because people I care about use your product every day. "
    "{uh}, I have read about your mobile team, and it sounds {kind of} like the place where I can "
    "grow the most, {you know}.",
)

ALL_ANSWERS = (MIGRATION, STRENGTH, WEAKNESS, MOTIVATION)
