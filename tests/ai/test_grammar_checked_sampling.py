"""The embedded language model's grammar-checked sampler, on the real small model.

Under greedy decoding it must pick exactly the tokens llama-cpp-python's own grammar chain picks,
and its expensive path (the grammar over the whole vocabulary) must really run when the model's
favourite token breaks the grammar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_cpp import Llama
from llama_cpp.llama_grammar import LlamaGrammar
from llama_cpp.llama_types import ChatCompletionRequestMessage

from bundled_services.llm_service.sampling import GrammarCheckedLlama, GrammarCheckedSampler

SCHEMA = {
    "type": "object",
    "properties": {
        "strengths": {"type": "array", "items": {"type": "string"}},
        "level": {"type": "string", "enum": ["junior", "senior"]},
    },
    "required": ["strengths", "level"],
}
MESSAGES: list[ChatCompletionRequestMessage] = [
    {"role": "system", "content": "You review resumes."},
    {
        "role": "user",
        "content": "Resume: eight years of Go and PostgreSQL; led the payments team's move to Kafka, "
        "cutting settlement time from 2 days to 4 hours. Give two strengths and a level.",
    },
]


def _load(model_class: type[Llama], path: Path) -> Llama:
    return model_class(model_path=str(path), n_ctx=2048, n_threads=2, seed=7, verbose=False)


@pytest.fixture(scope="module")
def checked_model(small_gguf: Path) -> Iterator[Llama]:
    model = _load(GrammarCheckedLlama, small_gguf)
    yield model
    model.close()


def _answer(model: Llama, **options: Any) -> str:
    completion: Any = model.create_chat_completion(messages=MESSAGES, max_tokens=160, **options)
    return str(completion["choices"][0]["message"]["content"])


def test_greedy_answers_are_token_for_token_those_of_the_library_chain(
    small_gguf: Path, checked_model: Llama
) -> None:
    response_format = {"type": "json_object", "schema": SCHEMA}
    library_model = _load(Llama, small_gguf)
    try:
        expected = _answer(library_model, temperature=0.0, response_format=response_format)
    finally:
        library_model.close()

    answer = _answer(checked_model, temperature=0.0, response_format=response_format)

    assert answer == expected
    parsed = json.loads(answer)
    assert parsed["level"] in ("junior", "senior")


def test_a_token_the_grammar_forbids_is_drawn_again_under_the_grammar(checked_model: Llama) -> None:
    grammar = LlamaGrammar.from_string(
        'root ::= "VERDICT: " ("HIRE" | "PASS") " (" [0-9] "/10)"', verbose=False
    )

    answer = _answer(checked_model, temperature=0.0, grammar=grammar)

    assert re.fullmatch(r"VERDICT: (HIRE|PASS) \([0-9]/10\)", answer)
    # Typed as the library's sampler, which the subclass swaps for its own.
    sampler: object = checked_model._sampler
    assert isinstance(sampler, GrammarCheckedSampler)
    assert sampler.tokens_redrawn >= 1
    assert sampler.tokens_sampled > sampler.tokens_redrawn


def test_sampled_answers_keep_to_the_schema(checked_model: Llama) -> None:
    for _ in range(3):
        parsed = json.loads(
            _answer(checked_model, temperature=0.9, response_format={"type": "json_object", "schema": SCHEMA})
        )
        assert set(parsed) == {"strengths", "level"}
        assert parsed["level"] in ("junior", "senior")
        assert all(isinstance(strength, str) for strength in parsed["strengths"])


def test_text_without_a_grammar_uses_the_library_chain(checked_model: Llama) -> None:
    completion: Any = checked_model.create_chat_completion(messages=MESSAGES, max_tokens=8, temperature=0.0)

    assert completion["choices"][0]["message"]["content"]
    assert not isinstance(checked_model._sampler, GrammarCheckedSampler)
