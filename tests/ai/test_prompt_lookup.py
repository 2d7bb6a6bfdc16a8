"""Prompt-lookup speculative decoding in the embedded model server, on the real small model.

The guesses must come from the context's latest match of the last tokens, grow and shrink with how
they fare, give a copying answer mostly from guesses the model checked, and leave no refused guess
in the model's memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
import pytest
from llama_cpp.llama_types import ChatCompletionRequestMessage

from bundled_services.llm_service.model import GUESS_VARIABLE, longest_guess
from bundled_services.llm_service.prompt_lookup import (
    FIRST_GUESS,
    MAX_GUESS,
    NGRAM,
    PromptLookupDrafter,
    SpeculativeLlama,
)


def tokens(*values: int) -> np.ndarray[Any, np.dtype[np.intc]]:
    return np.array(values, dtype=np.intc)


def test_a_guess_continues_the_latest_earlier_match_of_the_last_tokens() -> None:
    drafter = PromptLookupDrafter(max_guess=4)
    history = tokens(1, 2, 3, 10, 11, 12, 13, 14, 1, 2, 3, 20, 21, 9, 1, 2, 3)

    assert drafter.guess(history, 4).tolist() == [20, 21, 9, 1]
    assert drafter.guess(history, 2).tolist() == [20, 21]


def test_no_guess_without_a_match_of_ngram_tokens() -> None:
    drafter = PromptLookupDrafter()
    # The last two tokens occur before, the last three never do.
    history = tokens(5, 2, 3, 4, 6, 2, 3)

    assert NGRAM == 3
    assert drafter.guess(history, 4).size == 0
    assert drafter.guess(tokens(1, 2), 4).size == 0
    # A match at the very end is the key itself, with nothing after it to guess.
    assert drafter.guess(tokens(7, 7, 7), 4).size == 0


def test_a_guess_stops_at_the_end_of_what_was_written() -> None:
    drafter = PromptLookupDrafter()
    history = tokens(4, 1, 2, 3, 1, 2, 3)

    assert drafter.guess(history, 7).tolist() == [1, 2, 3]


def test_guesses_grow_when_taken_whole_and_shrink_when_refused() -> None:
    drafter = PromptLookupDrafter(max_guess=MAX_GUESS)
    context = list(range(100, 140))
    history = [*context, *context[:NGRAM]]

    first = drafter(tokens(*history))
    assert len(first) == FIRST_GUESS
    # The model wrote what was guessed, and one token of its own.
    history += [*first.tolist(), context[NGRAM + FIRST_GUESS]]
    second = drafter(tokens(*history))
    assert len(second) == FIRST_GUESS + 2
    assert drafter.accepted == FIRST_GUESS

    # Refused at its first token: the next guess is half as long.
    history += [999, *context[10:13]]
    third = drafter(tokens(*history))
    assert len(third) == (FIRST_GUESS + 2) // 2
    assert drafter.accepted == FIRST_GUESS

    drafter.forget()
    assert len(drafter(tokens(*history))) == FIRST_GUESS


def test_a_guess_cut_short_by_the_end_of_the_answer_teaches_nothing() -> None:
    drafter = PromptLookupDrafter()
    context = list(range(100, 140))
    history = [*context, *context[:NGRAM]]
    first = drafter(tokens(*history))

    drafter(tokens(*history, *first.tolist()[:1]))

    assert drafter.accepted == 0


@pytest.mark.parametrize(("value", "expected"), [("", MAX_GUESS), ("0", 0), (" 4 ", 4)])
def test_the_longest_guess_comes_from_the_environment(value: str, expected: int) -> None:
    assert longest_guess({GUESS_VARIABLE: value}) == expected


@pytest.mark.parametrize("value", ["many", "-2", "2.5"])
def test_a_longest_guess_that_is_no_count_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match=GUESS_VARIABLE):
        longest_guess({GUESS_VARIABLE: value})


TRANSCRIPT = (
    "When our payments service started timing out every Friday, I was the on-call engineer. "
    "I traced the timeouts to a missing index on the settlements table, added it behind a feature "
    "flag and cut the p99 latency from 4 seconds to 180 milliseconds."
)
COPYING: list[ChatCompletionRequestMessage] = [
    {"role": "system", "content": "You repeat text exactly."},
    {"role": "user", "content": f"Repeat this answer word for word, nothing else:\n\n{TRANSCRIPT}"},
]


def _load(path: Path, max_guess: int) -> SpeculativeLlama:
    return SpeculativeLlama(
        model_path=str(path), n_ctx=2048, n_threads=2, seed=7, verbose=False, max_guess=max_guess
    )


SUMMING_UP: list[ChatCompletionRequestMessage] = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": f"{TRANSCRIPT}\n\nIn one sentence, what did the engineer fix and how?"},
]


def _answer(model: SpeculativeLlama, messages: list[ChatCompletionRequestMessage]) -> str:
    completion: Any = model.create_chat_completion(messages=messages, max_tokens=90, temperature=0.0)
    return str(completion["choices"][0]["message"]["content"])


@pytest.fixture(scope="module")
def guessing_model(small_gguf: Path) -> Iterator[SpeculativeLlama]:
    model = _load(small_gguf, MAX_GUESS)
    yield model
    model.close()


# Answers are not compared token for token with the model's one-at-a-time answers: a batch's float
# arithmetic differs from a single token's, and on another CPU that may change a near-tie.


def test_checked_guesses_give_a_copying_answer_mostly_from_guesses(guessing_model: SpeculativeLlama) -> None:
    answer = _answer(guessing_model, COPYING)

    # Had a guessed position been scored from the wrong position's outputs, the copy would be garbled.
    assert TRANSCRIPT[:120] in answer
    drafter = guessing_model.drafter
    assert drafter is not None
    written = len(guessing_model.tokenize(answer.encode(), add_bos=False))
    assert drafter.accepted > written / 2
    assert drafter.accepted > drafter.guessed / 2


def test_refused_guesses_leave_no_trace_in_the_model_memory(guessing_model: SpeculativeLlama) -> None:
    drafter = guessing_model.drafter
    assert drafter is not None
    guessed, accepted = drafter.guessed, drafter.accepted

    answer = _answer(guessing_model, SUMMING_UP)

    assert "index" in answer.lower()
    # The model refused some guesses ...
    assert drafter.guessed - guessed > drafter.accepted - accepted
    # ... and its memory holds the prompt and the answer as written (perhaps a guess taken after
    # its last token), with no position beyond what it counts as read.
    held = guessing_model.detokenize(guessing_model.input_ids[: guessing_model.n_tokens].tolist())
    assert answer.strip() in held.decode(errors="replace")
    memory = llama_cpp.llama_get_memory(guessing_model.ctx)
    assert llama_cpp.llama_memory_seq_pos_max(memory, 0) == guessing_model.n_tokens - 1
