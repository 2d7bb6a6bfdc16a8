"""Recommendations, each tied to one finding about this answer and drawing on the knowledge base.

A finding is something measured or labelled: a component missing or thin, the answer not addressing
its question, fillers, pace, length, actions told as "we". Each recommendation quotes the candidate's
words where there are some, then gives the knowledge base's most fitting sentence on the point. A
recommendation stating a fact the candidate never gave is dropped (`facts.invented_facts`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from app.schemas.delivery import IDEAL_WPM_HIGH, IDEAL_WPM_LOW
from app.services.coaching import delivery_metrics
from app.services.coaching.coverage import Coverage
from app.services.coaching.cues import specifics
from app.services.coaching.evidence import COMPONENTS
from app.services.coaching.facts import facts_of, invented_facts
from app.services.coaching.transcript import Unit
from app.services.embedding import EmbeddingService, unit_rows
from app.services.knowledge_base.store import passage_sentences

MIN_RECOMMENDATIONS = 3
MAX_RECOMMENDATIONS = 5
QUOTE_WORDS = 14
TIP_CHARS = 220
# Fillers past this share of the words are worth a recommendation of their own (the spec's
# confidence formula gives full marks under 5 %).
FILLER_SHARE = 0.03
MIN_FILLERS = 3
LONG_ANSWER_SECONDS = 150.0
SHORT_ANSWER_SECONDS = 30.0
# Under this pace rating (about 20 words a minute off the ideal band) pace gets a recommendation.
PACE_RATING_FLOOR = 8.0

Search = Callable[[str], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    advice: str
    query: str


def quote(unit: Unit) -> str:
    """The first words of what the candidate said, verbatim (cut at a word, marked with "...")."""
    words = unit.text.split()
    shown = " ".join(words[:QUOTE_WORDS]).rstrip(",;:")
    return f"'{shown}...'" if len(words) > QUOTE_WORDS else f"'{shown.rstrip('.!?')}'"


def _neighbour(component: str, evidence: Mapping[str, Sequence[Unit]], *, before: bool) -> Unit | None:
    """The sentence said just before (or after) where `component` belongs in STAR order."""
    position = COMPONENTS.index(component)
    names = reversed(COMPONENTS[:position]) if before else COMPONENTS[position + 1 :]
    return next((evidence[name][-1 if before else 0] for name in names if evidence[name]), None)


def _missing(component: str, evidence: Mapping[str, Sequence[Unit]], units: Sequence[Unit]) -> str:
    before = _neighbour(component, evidence, before=True)
    after = _neighbour(component, evidence, before=False)
    if component == "situation":
        anchor = f" before {quote(after)}" if after else ""
        return f"Open with the situation{anchor}: say where and when this happened and what was going wrong."
    if component == "task":
        anchor = f" after {quote(before)}" if before else ""
        return (
            f"Say what your own job was{anchor}: the goal you owned and by when, before the steps you took."
        )
    if component == "action":
        return (
            "Walk through the steps you took yourself: the answer never says what you did, so the "
            "interviewer cannot credit you with the outcome."
        )
    last = before or (units[-1] if units else None)
    anchor = f" after {quote(last)}" if last else ""
    return (
        f"Finish with the result{anchor}: say what changed because of what you did, "
        "with a number if you have one."
    )


_THIN_HINTS = {
    "situation": "name the system or team and show the problem with a number",
    "task": "say what you personally owned and the target or deadline",
    "action": "name what you changed, the tools you used and who you worked with",
    "result": "put a number on it: time, money, errors or users",
}


def _thin(component: str, coverage: Coverage, units: Sequence[Unit]) -> str:
    said = quote(units[0])
    if coverage == "barely mentioned":
        return f"Give the {component} more than a passing mention: {said} is all the answer says about it."
    return f"Make the {component} concrete: {said} names nothing specific; {_THIN_HINTS[component]}."


def _filler_counts(transcript: str) -> Counter[str]:
    tokens = delivery_metrics.words(transcript)
    return Counter(" ".join(tokens[start:end]) for start, end in delivery_metrics.filler_spans(tokens))


def _structure_findings(
    evidence: Mapping[str, Sequence[Unit]], coverages: Mapping[str, Coverage], units: Sequence[Unit]
) -> list[Finding]:
    found = [
        Finding(f"missing-{name}", _missing(name, evidence, units), f"the {name} part of a STAR answer")
        for name in COMPONENTS
        if coverages[name] == "missing"
    ]
    found += [
        Finding(
            f"thin-{name}",
            _thin(name, coverages[name], evidence[name]),
            f"how to make the {name} of a STAR answer specific",
        )
        for name in COMPONENTS
        if coverages[name] in ("vague", "barely mentioned") and evidence[name]
    ]
    actions = evidence["action"]
    we_said = [unit for unit in actions if re.search(r"\bwe\b", unit.text, re.IGNORECASE)]
    i_said = [unit for unit in actions if re.search(r"\bi\b", unit.text, re.IGNORECASE)]
    if len(we_said) > len(i_said):
        found.append(
            Finding(
                "we",
                f"Say what you did yourself: {quote(we_said[0])} tells it as 'we'; "
                "say 'I' for your own part.",
                "say I not we, your own contribution",
            )
        )
    return found


def _delivery_findings(transcript: str, metrics: delivery_metrics.RawDeliveryMetrics) -> list[Finding]:
    found: list[Finding] = []
    share = metrics.filler_word_count / metrics.total_words if metrics.total_words else 0.0
    if metrics.filler_word_count >= MIN_FILLERS and share >= FILLER_SHARE:
        named = " and ".join(
            f"'{word}' {'once' if count == 1 else f'{count} times'}"
            for word, count in _filler_counts(transcript).most_common(2)
        )
        advice = f"Cut the fillers: you said {named}; a short silent pause sounds more confident."
        found.append(Finding("fillers", advice, "avoiding filler words"))
    wpm = round(metrics.words_per_minute)
    if metrics.pace_rating < PACE_RATING_FLOOR:
        if wpm < IDEAL_WPM_LOW:
            advice = (
                f"Speak a little faster: at {wpm} words a minute you are below the 140 to 160 "
                "that sounds assured."
            )
        else:
            advice = (
                f"Slow down: at {wpm} words a minute you are above the 140 to 160 "
                "that listeners follow easily."
            )
        found.append(Finding("pace", advice, "speaking pace"))
    seconds = round(metrics.duration_seconds)
    if metrics.duration_seconds > LONG_ANSWER_SECONDS:
        advice = (
            f"Tighten the answer: it ran {seconds} seconds; keep the situation short and give the time "
            "to your actions and result."
        )
        found.append(Finding("length", advice, "concise answers, length"))
    elif metrics.duration_seconds < SHORT_ANSWER_SECONDS:
        advice = (
            f"Give the story room: it ran {seconds} seconds, too short to show what you did "
            "and what came of it."
        )
        found.append(Finding("length", advice, "answer length"))
    return found


def _strength_findings(
    evidence: Mapping[str, Sequence[Unit]], coverages: Mapping[str, Coverage]
) -> list[Finding]:
    found: list[Finding] = []
    result = evidence["result"]
    if (
        coverages["result"] == "specific"
        and result
        and not any(specifics(unit.text).numbers for unit in result)
    ):
        advice = (
            f"Put a number on the result: {quote(result[0])} would land harder with how much or how many."
        )
        found.append(Finding("result-number", advice, "quantify the result"))
    found += [
        Finding(
            f"keep-{name}",
            f"Keep the {name} as you told it: {quote(evidence[name][0])} is specific, which makes the story "
            "believable.",
            f"a strong {name} in a STAR answer",
        )
        for name in COMPONENTS
        if coverages[name] == "specific" and evidence[name]
    ]
    return found


def find_findings(
    question: str,
    transcript: str,
    units: Sequence[Unit],
    evidence: Mapping[str, Sequence[Unit]],
    coverages: Mapping[str, Coverage],
    answers_question: bool,
    metrics: delivery_metrics.RawDeliveryMetrics,
) -> list[Finding]:
    """What this answer should change, most important first; then what it should keep."""
    found: list[Finding] = []
    if not answers_question:
        advice = (
            f"Answer the question asked, '{question.rstrip('?.')}': open with the part of your story that "
            "speaks to it, or choose an experience that does."
        )
        found.append(Finding("relevance", advice, "answer the question that was asked, relevance"))
    found += _structure_findings(evidence, coverages, units)
    found += _delivery_findings(transcript, metrics)
    return found + _strength_findings(evidence, coverages)


def measured_facts(transcript: str, metrics: delivery_metrics.RawDeliveryMetrics) -> str:
    """The figures the coach measured itself, which its advice may state beside the candidate's."""
    counts = " ".join(str(count) for count in _filler_counts(transcript).values())
    return (
        f"{round(metrics.words_per_minute)} {round(metrics.duration_seconds)} {metrics.filler_word_count} "
        f"{counts} {IDEAL_WPM_LOW:g} {IDEAL_WPM_HIGH:g}"
    )


def _plain(sentence: str) -> str:
    return re.sub(r"[*_`#>]+", "", re.sub(r"^\s*(?:[-*]|\d+[.)])\s*", "", sentence)).strip()


async def knowledge_tip(
    query: str, search: Search, embeddings: EmbeddingService, used: frozenset[str] = frozenset()
) -> str | None:
    """The knowledge base's sentence closest to `query` that states no fact of its own (the guides'
    example numbers and names must not read as the candidate's)."""
    passages = await search(query)
    sentences = [
        plain
        for passage in passages
        for plain in (_plain(sentence) for sentence in passage_sentences(passage))
        if 40 <= len(plain) <= TIP_CHARS
        and plain.endswith(".")
        and not _states_facts(plain)
        and plain not in used
    ]
    if not sentences:
        return None
    vectors = unit_rows(await embeddings.embed_texts([query, *sentences]))
    return sentences[int(np.argmax(vectors[1:] @ vectors[0]))]


# The guides' example answers speak in the first person; told beside the candidate's words they would
# read as the candidate's.
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|we|our|us)\b", re.IGNORECASE)


def _states_facts(sentence: str) -> bool:
    facts = facts_of(sentence)
    return (
        bool(facts.numbers)
        or bool(facts.names - {"star"})
        or '"' in sentence
        or bool(_FIRST_PERSON.search(sentence))
    )


async def recommendations(
    found: Sequence[Finding],
    search: Search,
    embeddings: EmbeddingService,
    sources: Sequence[str],
) -> list[str]:
    """Between three and five recommendations from the findings, in order, each with its guide tip."""
    chosen: list[str] = []
    kinds: set[str] = set()
    tips: list[str] = []
    for finding in found:
        if len(chosen) >= MAX_RECOMMENDATIONS:
            break
        if finding.kind.startswith("keep-") and len(chosen) >= MIN_RECOMMENDATIONS:
            break
        if finding.kind in kinds or invented_facts(finding.advice, sources):
            continue
        # Each recommendation gets a tip of its own: the same guide sentence twice reads as filler.
        tip = await knowledge_tip(finding.query, search, embeddings, frozenset(tips))
        if tip:
            tips.append(tip)
        chosen.append(f"{finding.advice} {tip}" if tip else finding.advice)
        kinds.add(finding.kind)
    return chosen
