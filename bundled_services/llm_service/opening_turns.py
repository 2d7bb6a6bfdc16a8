"""The model's memory of each prompt's opening turn, kept so a later prompt that opens alike starts there.

Every request of one kind opens with the same system turn: an agent's system prompt with the schemas
of its tools (1,222 tokens for the report agent, 618 for the question agent), a structured call's
schema instruction. The library keeps only the last prompt in the model's memory (its KV cache), so a
request that follows one of another kind reads its opening turn again: at 70-80 prompt tokens/s on two
cores, 8-17 s per agent call. This cache keeps a copy of the memory right after each opening turn
it reads (28 KB a token for the 1.5B model: 36 MB for the report agent's, about 85 MB for all of
them; least recently used first out past the budget) and loads it back when a prompt opens with the
same tokens.

Only the attention cache of those positions is copied and restored, and an opening turn is always
read as a batch of its own, whether it is kept or not: a prompt started from a kept turn decodes
exactly, bit for bit, as it does when it reads the turn itself. (Where a batch ends does change the
float arithmetic: an answer may differ in a word from the library reading the whole prompt at once.)
"""

from __future__ import annotations

import ctypes
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import llama_cpp

logger = logging.getLogger(__name__)

DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024
# Below this an opening turn costs less to read (a second or so) than it is worth keeping.
MIN_OPENING_TOKENS = 48
SEQUENCE = 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    tokens: tuple[int, ...]
    memory: ctypes.Array[ctypes.c_uint8]

    @property
    def size(self) -> int:
        return len(self.memory)


def common_prefix(left: Sequence[int], right: Sequence[int]) -> int:
    length = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        length += 1
    return length


def opening_turn_end(tokens: Sequence[int], end_of_turn: int) -> int | None:
    """The position just past the prompt's first end-of-turn token, when more of the prompt follows."""
    try:
        end = list(tokens).index(end_of_turn) + 1
    except ValueError:
        return None
    return end if MIN_OPENING_TOKENS <= end < len(tokens) else None


class OpeningTurnCache:
    """Snapshots of the model's memory after opening turns, at most `budget_bytes` of them."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        if budget_bytes < 0:
            raise ValueError("budget_bytes must not be negative")
        self.budget_bytes = budget_bytes
        self._snapshots: OrderedDict[tuple[int, ...], Snapshot] = OrderedDict()
        self.hits = 0
        self.stored = 0

    @property
    def bytes_held(self) -> int:
        return sum(snapshot.size for snapshot in self._snapshots.values())

    def __len__(self) -> int:
        return len(self._snapshots)

    def prepare(self, model: llama_cpp.Llama, tokens: Sequence[int]) -> None:
        """Bring `model`'s memory to the longest start of `tokens` it can have without decoding, and
        when the opening turn is new, read it now and keep it. The library's `generate` then decodes
        only the rest, from its own prefix match."""
        if self.budget_bytes == 0:
            return
        live = common_prefix(model.input_ids[: model.n_tokens].tolist(), tokens)
        snapshot = self._longest_opening_of(tokens)
        if snapshot is not None and len(snapshot.tokens) > live:
            if self._restore(model, snapshot):
                return
            live = 0
        end = opening_turn_end(tokens, model._model.token_eot())
        if end is None or live >= end:
            return
        model.n_tokens = live
        model.eval(list(tokens[live:end]))
        self._keep(model, tuple(tokens[:end]))

    def _longest_opening_of(self, tokens: Sequence[int]) -> Snapshot | None:
        openings = [
            snapshot
            for key, snapshot in self._snapshots.items()
            if len(key) < len(tokens) and tuple(tokens[: len(key)]) == key
        ]
        return max(openings, key=lambda snapshot: len(snapshot.tokens), default=None)

    def _restore(self, model: llama_cpp.Llama, snapshot: Snapshot) -> bool:
        context = model.ctx
        model._ctx.kv_cache_seq_rm(SEQUENCE, 0, -1)
        loaded = llama_cpp.llama_state_seq_set_data(context, snapshot.memory, snapshot.size, SEQUENCE)
        if loaded == 0:
            # The model's memory is now empty: the prompt is read from the start, as without a cache.
            logger.warning("could not restore a saved opening turn; reading the prompt in full")
            self._snapshots.pop(snapshot.tokens, None)
            model.reset()  # type: ignore[no-untyped-call]
            return False
        count = len(snapshot.tokens)
        model.input_ids[:count] = snapshot.tokens
        model.n_tokens = count
        # The logits on hand belong to whatever was decoded last, not to this prefix.
        model._requires_eval = True
        self._snapshots.move_to_end(snapshot.tokens)
        self.hits += 1
        logger.info("opening turn of %d tokens restored", count)
        return True

    def _keep(self, model: llama_cpp.Llama, tokens: tuple[int, ...]) -> None:
        size = llama_cpp.llama_state_seq_get_size(model.ctx, SEQUENCE)
        if size == 0 or size > self.budget_bytes:
            return
        memory = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(model.ctx, memory, size, SEQUENCE)
        if written != size:
            logger.warning("could not copy an opening turn (%d of %d bytes)", written, size)
            return
        self._snapshots[tokens] = Snapshot(tokens, memory)
        self.stored += 1
        while self.bytes_held > self.budget_bytes:
            self._snapshots.popitem(last=False)
        logger.info("opening turn of %d tokens kept (%.1f MB)", len(tokens), size / 1e6)
