"""One-sentence answers from a model: asked for by the schema, tidied when a cap cut them short.

A small model told to write one sentence writes a paragraph, at a tenth of a second a token on a slow
laptop. A string field built with `one_sentence` tells the local model's grammar (llama.cpp turns the
JSON schema into one) to end the string at its first full stop (or question mark) or at `max_chars`,
and forbids quote marks, backslashes and line breaks inside it. Validation does not enforce it: a
cloud model's second sentence is no reason to lose its answer.
"""

from __future__ import annotations

from pydantic import Field
from pydantic.fields import FieldInfo


def one_sentence(max_chars: int, endings: str = ".") -> FieldInfo:
    """A string of one sentence: it ends at the first of `endings` (a question at its "?"), characters
    that stand for themselves in a regular expression's character class."""
    pattern = rf'^[^{endings}"\\\n\r]{{1,{max_chars}}}[{endings}]?$'
    field: FieldInfo = Field(min_length=2, json_schema_extra={"maxLength": max_chars + 1, "pattern": pattern})
    return field


def finished_sentence(text: str, max_chars: int, ending: str = ".") -> str:
    """The sentence, ended at its last whole clause (or word) with `ending` when the grammar's cap of
    `max_chars` stopped it mid-way: "..., which is a specific task that was a." reads "...."."""
    sentence = " ".join(text.split())
    cut = sentence.rstrip(ending)
    if len(cut) < max_chars:
        return sentence
    clause_end = max(cut.rfind(", "), cut.rfind("; "))
    end = clause_end if clause_end >= len(cut) // 3 else cut.rfind(" ")
    return (cut[:end] if end > 0 else cut).rstrip(" ,;:") + ending
