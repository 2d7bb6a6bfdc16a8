"""One-sentence answers: what the schema asks a local model for, and how a cut one is shown."""

from __future__ import annotations

import json
import re
from typing import Annotated

import pytest
from llama_cpp.llama_grammar import LlamaGrammar
from pydantic import BaseModel

from app.services.llm.sentences import finished_sentence, one_sentence
from app.services.practice.question_generation import MIN_QUESTIONS, QuestionSet

# The cap report judgements were written under when a model wrote them.
REMARK_CHARS = 100


SENTENCE_CHARS = 160


class Sentences(BaseModel):
    sentences: list[Annotated[str, one_sentence(SENTENCE_CHARS)]]


def test_a_string_is_asked_for_as_one_sentence() -> None:
    schema = Sentences.model_json_schema()
    item = schema["properties"]["sentences"]["items"]
    sentence = re.compile(item["pattern"])
    assert sentence.match("Name the Kafka topics you ran and their throughput.")
    assert not sentence.match("Name the topics. Then the throughput.")
    assert not sentence.match('Say "Kafka"')
    assert not sentence.match("line\nbreak")
    assert not sentence.match("x" * (SENTENCE_CHARS + 1))
    # llama-cpp-python turns a schema it cannot convert into a grammar for any JSON, silently
    # (verbose: its quiet mode leaks a file handle).
    grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=True)._grammar
    assert r'[^."\\\n\r]' in grammar
    # Validation is not the grammar: a cloud model's second sentence is kept.
    kept = Sentences(sentences=["Name the topics. Then the throughput."])
    assert kept.sentences == ["Name the topics. Then the throughput."]


def test_a_question_is_asked_for_as_one_sentence_and_a_set_as_few_as_allowed() -> None:
    schema = QuestionSet.model_json_schema()["properties"]["questions"]
    question = re.compile(schema["items"]["pattern"])
    assert question.match("Tell me about a time you led a migration under a deadline.")
    assert question.match("What went wrong in your last incident, and how did you lead the fix?")
    assert not question.match("What went wrong? Describe your approach.")
    assert schema["maxItems"] == MIN_QUESTIONS + 1  # one spare for a near-repeat
    # What a cloud model writes beyond that is kept, as the spec allows up to eight.
    eight = [f"Tell me about the time number {n} you shipped." for n in range(8)]
    assert len(QuestionSet(questions=eight).questions) == 8


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Names the API and its latency target.", "Names the API and its latency target."),
        # Stopped by the cap of 100 characters: back to the last whole clause.
        (
            "The candidate mentioned bringing the API under 200 milliseconds, which is a specific "
            "task that was a.",
            "The candidate mentioned bringing the API under 200 milliseconds.",
        ),
        # No clause to go back to: back to the last whole word.
        ("words " * 16 + "abcd", "words " * 15 + "words."),
    ],
)
def test_a_judgement_stopped_by_its_cap_ends_at_a_whole_clause(written: str, shown: str) -> None:
    assert finished_sentence(written, REMARK_CHARS) == shown
