"""Speculative decoding with guesses looked up in the prompt.

Much of what the coaching model writes is already in its context: the quotes it copies from the
transcript, the job's own words in its requirements, the keys and punctuation of a JSON answer it
has written once already. When the last few tokens written also occur earlier in the context, the
tokens that followed them there are a cheap guess at what comes next. The guess is checked in one
batch with the token just drawn: every position is still drawn by the sampler from the model's own
distribution, a guessed token is kept only where it equals what was drawn, and the first mismatch
ends the batch. So the answer keeps its distribution (greedy: the same tokens, up to the float
arithmetic of a batch against single tokens) and only its speed changes.

On a laptop the model writes at the speed of memory: each step reads all of the weights (1.1 GB for
the 1.5B model), whether it scores one token or four. Measured on a memory-bound 2-core VM: one token
92 ms, a batch of 4 153 ms, of 8 288 ms. A guess is therefore made only on a match of `NGRAM` tokens
(a two-token match is mostly chance), and its length follows how the last guesses fared: a guess
taken whole grows the next one, a guess refused at once shrinks it.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from llama_cpp.llama_speculative import LlamaDraftModel

from bundled_services.llm_service.sampling import GrammarCheckedLlama

logger = logging.getLogger(__name__)

# The tokens that must match before the context is trusted to continue alike.
NGRAM = 3
# Longest guess; the batch of a guess plus the drawn token must also fit in one decode.
MAX_GUESS = 7
FIRST_GUESS = 3
MIN_GUESS = 1


class PromptLookupDrafter(LlamaDraftModel):
    """Guesses the next tokens from the latest earlier occurrence of the last `NGRAM` tokens.

    `Llama.generate` calls it with the tokens so far (context and answer) after each step; what it
    returns is decoded in the step's batch. It learns how its previous guess fared from the tokens it
    is given next."""

    def __init__(self, max_guess: int = MAX_GUESS) -> None:
        if max_guess < 1:
            raise ValueError("max_guess must be at least 1")
        self.max_guess = max_guess
        self._length = min(FIRST_GUESS, max_guess)
        self._last_guess: tuple[int, npt.NDArray[np.intc]] | None = None
        self.guessed = 0
        self.accepted = 0

    def __call__(self, input_ids: npt.NDArray[np.intc], /, **kwargs: Any) -> npt.NDArray[np.intc]:
        history = np.asarray(input_ids, dtype=np.intc)
        self._learn(history)
        guess = self.guess(history, self._length)
        self._last_guess = (len(history), guess) if len(guess) else None
        self.guessed += len(guess)
        return guess

    def guess(self, history: npt.NDArray[np.intc], length: int) -> npt.NDArray[np.intc]:
        """Up to `length` tokens that followed the latest earlier occurrence of the last `NGRAM`."""
        end = len(history)
        if end <= NGRAM or length < 1:
            return np.empty(0, dtype=np.intc)
        key = history[end - NGRAM :]
        # Windows that start before the key itself and leave at least one token after them.
        windows = np.lib.stride_tricks.sliding_window_view(history[: end - 1], NGRAM)
        matches = np.flatnonzero((windows == key).all(axis=1))
        if len(matches) == 0:
            return np.empty(0, dtype=np.intc)
        start = int(matches[-1]) + NGRAM
        return history[start : min(start + length, end)].copy()

    def forget(self) -> None:
        """A new answer starts: its guesses start at the first length again."""
        self._length = min(FIRST_GUESS, self.max_guess)
        self._last_guess = None

    def _learn(self, history: npt.NDArray[np.intc]) -> None:
        if self._last_guess is None:
            return
        position, guess = self._last_guess
        self._last_guess = None
        written = history[position : position + len(guess)]
        if len(written) < len(guess) and np.array_equal(written, guess[: len(written)]):
            return  # the answer ended inside the guess: nothing learnt
        taken = _common_prefix(written, guess)
        self.accepted += taken
        if taken == len(guess):
            self._length = min(self._length + 2, self.max_guess)
        elif taken == 0:
            self._length = max(self._length // 2, MIN_GUESS)
        else:
            self._length = taken + 1


def _common_prefix(left: npt.NDArray[np.intc], right: npt.NDArray[np.intc]) -> int:
    length = min(len(left), len(right))
    differs = np.flatnonzero(left[:length] != right[:length])
    return int(differs[0]) if len(differs) else length


class SpeculativeLlama(GrammarCheckedLlama):
    """`Llama` that checks prompt-lookup guesses (`PromptLookupDrafter`) in each decoding step.

    The library's own draft path asks for `logits_all`, which keeps the scores of every position of
    the context (n_ctx x 152k floats: 5 GB at 8,192 tokens) and copies each batch's into them; the
    sampler reads logits straight from llama.cpp instead, so this model asks llama.cpp for the
    outputs of a batch's last `max_guess + 1` positions only: the guessed ones and the token before
    them."""

    def __init__(self, *args: Any, max_guess: int = MAX_GUESS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.drafter: PromptLookupDrafter | None = None
        if max_guess > 0 and self._logits_all:
            # Asked for every position's scores (for logprobs), the library's own path is kept.
            logger.info("prompt-lookup guesses off: logits_all is on")
        elif max_guess > 0:
            if max_guess + 1 > self.n_batch:
                raise ValueError(f"a guess of {max_guess} tokens does not fit a batch of {self.n_batch}")
            self.drafter = PromptLookupDrafter(max_guess)
            # `Llama.generate` asks its draft model after each step.
            self.draft_model = self.drafter

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Generator[int, Any, None]:
        drafter = self.drafter
        if drafter is None:
            yield from super().generate(tokens, *args, **kwargs)
            return
        drafter.forget()
        guessed, accepted, written = drafter.guessed, drafter.accepted, 0
        try:
            for token in super().generate(tokens, *args, **kwargs):
                written += 1
                yield token
        finally:
            # llama.cpp's own timings count a checked batch as prompt, not as tokens written.
            logger.info(
                "wrote %d tokens, %d of them guessed (%d guessed in all)",
                written,
                drafter.accepted - accepted,
                drafter.guessed - guessed,
            )

    def eval(self, tokens: Sequence[int]) -> None:
        if self._logits_all:
            super().eval(tokens)
            return
        outputs = 1 if self.drafter is None else self.drafter.max_guess + 1
        self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
        for start in range(0, len(tokens), self.n_batch):
            chunk = list(tokens[start : start + self.n_batch])
            n_past = self.n_tokens
            self._batch.set_batch(batch=chunk, n_past=n_past, logits_all=False)
            for index in range(max(len(chunk) - outputs, 0), len(chunk)):
                self._batch.batch.logits[index] = True
            self._ctx.decode(self._batch)
            self.input_ids[n_past : n_past + len(chunk)] = chunk
            self.n_tokens += len(chunk)
            self._requires_eval = False
