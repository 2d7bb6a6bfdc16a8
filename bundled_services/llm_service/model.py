"""The embedded server's model: llama-cpp-python's `Llama` with grammar-checked sampling (`sampling`),
guesses looked up in the prompt checked in each step (`prompt_lookup`) and the memory of prompts'
opening turns kept between requests (`opening_turns`), with the weights in the layout that reads
prompts fastest on this CPU (`weight_layout`)."""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Mapping, Sequence
from typing import Any

from bundled_services.llm_service import build
from bundled_services.llm_service.opening_turns import DEFAULT_BUDGET_BYTES, OpeningTurnCache
from bundled_services.llm_service.prompt_lookup import MAX_GUESS, SpeculativeLlama
from bundled_services.llm_service.weight_layout import model_params_with_extra_buffers, repack_weights

logger = logging.getLogger(__name__)

# The server's options are llama_cpp.server's own, so the cache's budget and the longest guess come
# from the environment (0 turns either off).
BUDGET_VARIABLE = "ASCEND_LLM_OPENING_CACHE_MB"
GUESS_VARIABLE = "ASCEND_LLM_GUESS_TOKENS"


def opening_cache_budget(environ: Mapping[str, str]) -> int:
    value = environ.get(BUDGET_VARIABLE, "").strip()
    if not value:
        return DEFAULT_BUDGET_BYTES
    try:
        megabytes = float(value)
    except ValueError:
        raise ValueError(f"{BUDGET_VARIABLE} must be a number of megabytes, not {value!r}") from None
    if megabytes < 0:
        raise ValueError(f"{BUDGET_VARIABLE} must not be negative")
    return int(megabytes * 1024 * 1024)


def longest_guess(environ: Mapping[str, str]) -> int:
    value = environ.get(GUESS_VARIABLE, "").strip()
    if not value:
        return MAX_GUESS
    if not value.isdigit():
        raise ValueError(f"{GUESS_VARIABLE} must be a whole number of tokens, not {value!r}")
    return int(value)


class ServedLlama(SpeculativeLlama):
    def __init__(
        self, *args: Any, max_guess: int | None = None, repack: bool | None = None, **kwargs: Any
    ) -> None:
        if max_guess is None:
            max_guess = longest_guess(os.environ)
        if repack is None:
            repack = repack_weights(os.environ, build.system_info())
        logger.info("weights %s", "repacked for llama.cpp's CPU kernels" if repack else "kept as stored")
        with model_params_with_extra_buffers(repack):
            super().__init__(*args, max_guess=max_guess, **kwargs)
        self.opening_turns = OpeningTurnCache(opening_cache_budget(os.environ))

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Generator[int, Any, None]:
        tokens = list(tokens)
        if kwargs.get("reset", True):
            self.opening_turns.prepare(self, tokens)
        yield from super().generate(tokens, *args, **kwargs)
