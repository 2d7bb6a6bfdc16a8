"""The embedded model server's memory of opening turns, on the real small model.

A prompt started from a kept opening turn must decode exactly as when it reads that turn itself
(greedy answers token for token), the kept turns must stay within their budget, and a prompt that
opens differently must not be started from one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_cpp import Llama
from llama_cpp.llama_types import ChatCompletionRequestMessage

from bundled_services.llm_service.model import BUDGET_VARIABLE, ServedLlama, opening_cache_budget
from bundled_services.llm_service.opening_turns import (
    DEFAULT_BUDGET_BYTES,
    MIN_OPENING_TOKENS,
    OpeningTurnCache,
    common_prefix,
    opening_turn_end,
)

COACH = "You are a coach for software engineering interviews. " + " ".join(
    f"Rule {number}: judge what the candidate said about topic {number}, never what they did not."
    for number in range(12)
)
INTERVIEWER = "You write behavioural interview questions. " + " ".join(
    f"Guideline {number}: ask for one real story about experience {number}." for number in range(10)
)


def conversation(system: str, user: str) -> list[ChatCompletionRequestMessage]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


# Two kinds of request, interleaved as the jobs send them: every second one opens like an earlier one
# that another kind has displaced from the model's memory since.
REQUESTS = [
    conversation(COACH, "Judge: I led the move to Kafka and settlement fell from two days to four hours."),
    conversation(INTERVIEWER, "One question about leading an incident."),
    conversation(COACH, "Judge: um, I think I kind of fixed the slow queries, like, mostly."),
    conversation(INTERVIEWER, "One question about mentoring a junior engineer."),
]


def load(model_class: type[Llama], path: Path) -> Llama:
    options: dict[str, Any] = {}
    if issubclass(model_class, ServedLlama):
        # Guesses checked in a batch change the float arithmetic (see prompt_lookup), so an answer may
        # differ in a word from the library's; these tests are about the memory of opening turns.
        options["max_guess"] = 0
    return model_class(model_path=str(path), n_ctx=2048, n_threads=2, seed=7, verbose=False, **options)


def answers(model: Llama, requests: list[list[ChatCompletionRequestMessage]]) -> list[str]:
    replies = []
    for messages in requests:
        completion: Any = model.create_chat_completion(messages=messages, max_tokens=40, temperature=0.0)
        replies.append(str(completion["choices"][0]["message"]["content"]))
    return replies


@pytest.fixture(scope="module")
def afresh(small_gguf: Path) -> list[str]:
    """Each request read from an empty memory and an empty cache: every opening turn read in-request."""
    model = load(ServedLlama, small_gguf)
    assert isinstance(model, ServedLlama)
    try:
        replies = []
        for messages in REQUESTS:
            model.opening_turns = OpeningTurnCache()
            model.reset()  # type: ignore[no-untyped-call]
            replies += answers(model, [messages])
        return replies
    finally:
        model.close()


@pytest.fixture(scope="module")
def library_answers(small_gguf: Path) -> list[str]:
    model = load(Llama, small_gguf)
    try:
        return answers(model, REQUESTS)
    finally:
        model.close()


@pytest.fixture
def served(small_gguf: Path) -> Iterator[ServedLlama]:
    model = load(ServedLlama, small_gguf)
    assert isinstance(model, ServedLlama)
    yield model
    model.close()


def test_a_kept_opening_turn_decodes_exactly_as_one_read_afresh(
    served: ServedLlama, afresh: list[str]
) -> None:
    assert answers(served, REQUESTS) == afresh

    cache = served.opening_turns
    assert cache.stored == 2
    # The third and fourth requests start from the turns the first two read.
    assert cache.hits == 2
    assert 0 < cache.bytes_held <= cache.budget_bytes


def test_turns_past_the_budget_are_let_go_oldest_first(served: ServedLlama, afresh: list[str]) -> None:
    answers(served, REQUESTS[:1])
    # Room for the coach's turn, the larger, or the interviewer's, never both.
    served.opening_turns.budget_bytes = served.opening_turns.bytes_held

    assert answers(served, REQUESTS) == afresh

    # Room for one turn: each kind displaced the other, so none was ever found again.
    assert len(served.opening_turns) == 1
    assert served.opening_turns.bytes_held <= served.opening_turns.budget_bytes
    assert served.opening_turns.hits == 0


def test_with_no_budget_the_library_reads_every_prompt_whole(
    served: ServedLlama, library_answers: list[str]
) -> None:
    served.opening_turns.budget_bytes = 0

    assert answers(served, REQUESTS) == library_answers
    assert served.opening_turns.stored == 0
    assert len(served.opening_turns) == 0


def test_an_opening_turn_is_the_prompt_up_to_its_first_end_of_turn() -> None:
    end_of_turn = 7
    opening = [1] * (MIN_OPENING_TOKENS - 1) + [end_of_turn]
    assert opening_turn_end([*opening, 3, 4, end_of_turn], end_of_turn) == len(opening)
    # Nothing follows it, too short to be worth keeping, or no turn at all.
    assert opening_turn_end(opening, end_of_turn) is None
    assert opening_turn_end([1, end_of_turn, 3, 4], end_of_turn) is None
    assert opening_turn_end([1] * 100, end_of_turn) is None
    assert common_prefix([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix([], [1]) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", DEFAULT_BUDGET_BYTES), ("0", 0), ("64", 64 * 1024 * 1024), (" 1.5 ", 3 * 1024 * 1024 // 2)],
)
def test_the_budget_comes_from_the_environment(value: str, expected: int) -> None:
    assert opening_cache_budget({BUDGET_VARIABLE: value}) == expected


@pytest.mark.parametrize("value", ["lots", "-1"])
def test_a_budget_that_is_no_size_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match=BUDGET_VARIABLE):
        opening_cache_budget({BUDGET_VARIABLE: value})
