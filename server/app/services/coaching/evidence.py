"""Each unit of an answer labelled situation / task / action / result / other, from three signals
measured separately: its nearest example sentences in a hand-labelled bank (`star_examples.tsv`,
embedded with the knowledge base's model), cues in its wording (`cues`), and, when given, the
language model's one-letter label for it. A component's evidence is its units, verbatim.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from app.services.coaching.cues import LABELS, role_cues
from app.services.coaching.transcript import Unit
from app.services.embedding import EmbeddingService, unit_rows

BANK_PATH = Path(__file__).with_name("star_examples.tsv")
COMPONENTS = ("situation", "task", "action", "result")
MODEL_LETTERS = {"S": "situation", "T": "task", "A": "action", "R": "result", "O": "other"}


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts; chosen on the labelled set's dev part (docs/coaching.md)."""

    neighbours: int = 10
    temperature: float = 0.1
    cue: float = 0.5
    model: float = 0.3
    position: float = 0.3
    backward: float = 0.2


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class LabelledUnit:
    unit: Unit
    label: str
    scores: dict[str, float]


@dataclass(frozen=True, slots=True)
class StarBank:
    labels: tuple[str, ...]
    vectors: NDArray[np.float32]


def read_bank(path: Path = BANK_PATH) -> list[tuple[str, str]]:
    """(label, sentence) pairs of the bank; comments and blank lines skipped, a bad label refused."""
    rows: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, sentence = line.partition("\t")
        if label not in LABELS or not sentence.strip():
            raise ValueError(f"{path.name} line {number}: expected '<label>\\t<sentence>' with a STAR label")
        rows.append((label, sentence.strip()))
    return rows


BANK_SLICE = 64
_banks: weakref.WeakKeyDictionary[EmbeddingService, StarBank] = weakref.WeakKeyDictionary()


async def star_bank(embeddings: EmbeddingService) -> StarBank:
    """The bank embedded once per embedding service (the worker's warm-up asks first). Two callers at
    once may both embed it; they get the same result, and no lock ties the cache to one event loop."""
    bank = _banks.get(embeddings)
    if bank is None:
        rows = read_bank()
        sentences = [sentence for _, sentence in rows]
        embedded: list[list[float]] = []
        # In slices, each one awaited: a worker shutting down cancels the warm-up between two of them.
        for start in range(0, len(sentences), BANK_SLICE):
            embedded.extend(await embeddings.embed_texts(sentences[start : start + BANK_SLICE]))
        vectors = unit_rows(embedded)
        bank = StarBank(labels=tuple(label for label, _ in rows), vectors=vectors)
        _banks[embeddings] = bank
    return bank


def neighbour_scores(
    vectors: NDArray[np.float32], bank: StarBank, weights: Weights
) -> list[dict[str, float]]:
    """Per unit, each label's share of its nearest bank sentences, weighted by similarity."""
    similarity = vectors @ bank.vectors.T
    scores: list[dict[str, float]] = []
    for row in similarity:
        nearest = np.argsort(-row)[: weights.neighbours]
        weight = np.exp((row[nearest] - row[nearest].max()) / weights.temperature)
        shares = dict.fromkeys(LABELS, 0.0)
        for position, index in enumerate(nearest):
            shares[bank.labels[int(index)]] += float(weight[position])
        total = sum(shares.values()) or 1.0
        scores.append({label: value / total for label, value in shares.items()})
    return scores


def _position_prior(index: int, count: int) -> dict[str, float]:
    """Stories open with their situation and close with their result."""
    where = index / max(1, count - 1) if count > 1 else 0.5
    return {"situation": 1.0 - where, "result": where}


def label_units(
    units: Sequence[Unit],
    vectors: NDArray[np.float32],
    bank: StarBank,
    model_labels: Sequence[str] | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[LabelledUnit]:
    """Every unit's label: the highest of its combined scores. `model_labels` (situation ... other),
    when given, must hold one label per unit."""
    if model_labels is not None and len(model_labels) != len(units):
        raise ValueError("the model's labels must match the units one to one")
    neighbours = neighbour_scores(vectors, bank, weights) if len(units) else []
    scores: list[dict[str, float]] = []
    for index, unit in enumerate(units):
        cues = role_cues(unit.text)
        prior = _position_prior(index, len(units))
        combined = {
            label: neighbours[index][label]
            + weights.cue * cues[label]
            + weights.position * prior.get(label, 0.0)
            for label in LABELS
        }
        if model_labels is not None:
            combined[model_labels[index]] += weights.model
        scores.append(combined)
    labels = in_story_order(scores, weights.backward)
    return [
        LabelledUnit(unit=unit, label=label, scores=combined)
        for unit, label, combined in zip(units, labels, scores, strict=True)
    ]


def in_story_order(scores: Sequence[dict[str, float]], backward: float) -> list[str]:
    """The labels with the highest total score, less `backward` for each step back in STAR order
    (a result, then a task): stories mostly run forward, so a unit between two of the same part
    leans to it. "Other" leaves the order where it was."""
    order = {label: rank for rank, label in enumerate(COMPONENTS)}
    # best[state] = (total, labels so far); state is the furthest STAR part said so far, -1 for none.
    best: dict[int, tuple[float, list[str]]] = {-1: (0.0, [])}
    for combined in scores:
        step: dict[int, tuple[float, list[str]]] = {}
        for state, (total, path) in best.items():
            for label in LABELS:
                rank = order.get(label)
                penalty = backward if rank is not None and rank < state else 0.0
                after = state if rank is None else max(state, rank)
                candidate = (total + combined[label] - penalty, [*path, label])
                if after not in step or candidate[0] > step[after][0]:
                    step[after] = candidate
        best = step
    return max(best.values(), key=lambda entry: entry[0])[1]


def evidence_by_component(labelled: Sequence[LabelledUnit]) -> dict[str, list[Unit]]:
    """Each STAR component's units, in the order they were said; a unit may stand for the task as well
    as for its own component."""
    evidence: dict[str, list[Unit]] = {component: [] for component in COMPONENTS}
    for item in labelled:
        if item.label in evidence:
            evidence[item.label].append(item.unit)
    if not evidence["task"]:
        # A task said in passing in the setting or a step ("since keeping riders informed was part of
        # my job, I set out to...") is still the task told: that unit stands for both. Not in a result:
        # "my manager asked me to present it" after the outcome is no task the story set out with.
        evidence["task"] = [
            item.unit
            for item in labelled
            if item.label in ("situation", "action") and role_cues(item.unit.text)["task"] > 0
        ][:1]
    return evidence
