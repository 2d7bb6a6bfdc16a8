"""Whether an answer addresses its question, from two measurements and, where both are unclear, the
language model's yes/no.

1. **Themes.** A bank of behavioural questions in 24 themes (`questions.tsv`, written apart from the
   labelled set) gives the question and the answer each a profile: their closest similarity to each
   theme's questions. A story about something else has a profile unlike the question's (their
   correlation is negative: it reads closest to the themes the question is furthest from); a story
   that answers the question, however loosely worded, does not.
2. **Similarity.** The higher of the question's similarity with the whole answer and with its closest
   sentence: a long story that answers the question in one sentence ("... and that's how I handled
   the conflict") reads as far from it as a whole.
3. **What the question names**, where similarity is unclear. A question that asks for an event by
   name (a mistake, a disagreement, feedback: `question_demands.tsv`) is answered only by a story
   that speaks of one; a polished story without it answers another question.

The thresholds come from the labelled set's dev part (docs/coaching.md).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from app.services.embedding import EmbeddingService, unit_rows

QUESTIONS_PATH = Path(__file__).with_name("questions.tsv")
DEMANDS_PATH = Path(__file__).with_name("question_demands.tsv")
# Cosine similarity (all-mpnet-base-v2). Without the model's word, an unclear answer is taken as
# answering: telling a candidate they missed the question when they did not is the worse error.
CLEARLY_OFF = 0.20
CLEARLY_ON = 0.30
UNDECIDED = CLEARLY_OFF
# Correlation of the two theme profiles: below the dev part's lowest answer that does answer its
# question (-0.25 over two transcriptions of it), by the 0.05 two transcriptions differ by.
OFF_THEME = -0.30


@dataclass(frozen=True, slots=True)
class RelevanceVerdict:
    answers_question: bool
    similarity: float
    decided_by: str  # "themes", "demand", "similarity" or "model"
    # The theme the answer reads closest to, when the themes decided it is about something else.
    answer_theme: str | None = None
    # What the question asked for by name and the answer never spoke of ("a mistake").
    unmet_demand: str | None = None


@dataclass(frozen=True, slots=True)
class Demand:
    what: str
    asked: re.Pattern[str]
    told: re.Pattern[str]


@cache
def read_demands(path: Path = DEMANDS_PATH) -> tuple[Demand, ...]:
    demands: list[Demand] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(field.strip() for field in fields):
            raise ValueError(f"{path.name} line {number}: expected '<what>\\t<asked>\\t<told>'")
        what, asked, told = (field.strip() for field in fields)
        demands.append(Demand(what, re.compile(rf"\b(?:{asked})"), re.compile(rf"\b(?:{told})")))
    return tuple(demands)


@dataclass(frozen=True, slots=True)
class NamedEvent:
    what: str  # the event the question asks for by name ("a mistake")
    told: bool  # whether the answer speaks of one


def named_event(question: str, answer: str) -> NamedEvent | None:
    """The event the question asks for by name and whether the answer tells of it (an event it
    never speaks of first, when the question names several); None when it names none."""
    asked, told = question.lower(), answer.lower()
    events = [
        NamedEvent(demand.what, demand.told.search(told) is not None)
        for demand in read_demands()
        if demand.asked.search(asked)
    ]
    return next((event for event in events if not event.told), events[0] if events else None)


@dataclass(frozen=True, slots=True)
class QuestionBank:
    themes: tuple[str, ...]
    theme_of_row: NDArray[np.int_]
    vectors: NDArray[np.float32]

    def profile(self, vector: NDArray[np.float32]) -> NDArray[np.float32]:
        """The vector's closest similarity to each theme's questions."""
        similarity = self.vectors @ vector
        return np.array(
            [similarity[self.theme_of_row == index].max() for index in range(len(self.themes))],
            dtype=np.float32,
        )


@dataclass(frozen=True, slots=True)
class ThemeReading:
    agreement: float  # correlation of the question's and the answer's profiles, -1 to 1
    answer_theme: str


def read_questions(path: Path = QUESTIONS_PATH) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        theme, _, question = line.partition("\t")
        if not theme.strip() or not question.strip():
            raise ValueError(f"{path.name} line {number}: expected '<theme>\\t<question>'")
        rows.append((theme.strip(), question.strip()))
    return rows


_banks: weakref.WeakKeyDictionary[EmbeddingService, QuestionBank] = weakref.WeakKeyDictionary()


async def question_bank(embeddings: EmbeddingService) -> QuestionBank:
    """The bank embedded once per embedding service (the worker's warm-up asks first)."""
    bank = _banks.get(embeddings)
    if bank is None:
        rows = read_questions()
        themes = tuple(sorted({theme for theme, _ in rows}))
        vectors = unit_rows(await embeddings.embed_texts([question for _, question in rows]))
        bank = QuestionBank(
            themes=themes,
            theme_of_row=np.array([themes.index(theme) for theme, _ in rows]),
            vectors=vectors,
        )
        _banks[embeddings] = bank
    return bank


def read_themes(
    question: NDArray[np.float32], answer: NDArray[np.float32], bank: QuestionBank
) -> ThemeReading:
    asked, told = bank.profile(question), bank.profile(answer)
    agreement = float(np.corrcoef(asked, told)[0, 1]) if asked.std() > 0 and told.std() > 0 else 0.0
    return ThemeReading(agreement=agreement, answer_theme=bank.themes[int(told.argmax())])


def judge_relevance(
    similarity: float,
    model_says_yes: bool | None,
    themes: ThemeReading | None = None,
    event: NamedEvent | None = None,
) -> RelevanceVerdict:
    if themes is not None and themes.agreement < OFF_THEME:
        return RelevanceVerdict(False, similarity, "themes", themes.answer_theme)
    # The event the question names decides before similarity, both ways: a story about something
    # else shares the question's vocabulary ("production", "the database") without the event, and a
    # story with the event answers it however far a garbled transcript reads from the question.
    if event is not None:
        return RelevanceVerdict(
            event.told, similarity, "demand", unmet_demand=None if event.told else event.what
        )
    if similarity >= CLEARLY_ON:
        return RelevanceVerdict(True, similarity, "similarity")
    if similarity < CLEARLY_OFF:
        return RelevanceVerdict(False, similarity, "similarity")
    if model_says_yes is not None:
        return RelevanceVerdict(model_says_yes, similarity, "model")
    return RelevanceVerdict(similarity >= UNDECIDED, similarity, "similarity")
