"""Grammar-constrained sampling at the cost of unconstrained sampling.

llama-cpp-python puts the grammar into the sampler chain, so before every token the grammar is run
over the whole vocabulary (152k tokens for Qwen): about 45 ms a token on two cores, a third of the
language model's time in a practice run, where every structured answer and every tool call is
constrained by a JSON schema. llama.cpp's own sampler avoids that cost the way this one does: draw
from the unconstrained distribution first and ask the grammar about that one token; only when it is
rejected apply the grammar to the whole vocabulary and draw again. The model mostly writes what the
schema allows, so the expensive pass is rare.

The result is the constrained distribution: greedy decoding picks exactly the tokens the library's
chain picks, and a sampled token t has probability p(t) + (1 - V) * p(t) / V = p(t) / V, where V is
the allowed tokens' probability mass (up to top-k/top-p truncation, which each draw applies to its
own candidates).
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals as internals
from llama_cpp.llama_grammar import LlamaGrammar


class GrammarCheckedSampler:
    """Samples with `chain` and accepts a token only if `grammar` allows it (see the module doc).

    Duck-types `llama_cpp._internals.LlamaSampler` where `Llama` uses it: `sample(ctx, idx)`."""

    def __init__(
        self, chain: internals.LlamaSampler, grammar: llama_cpp.llama_sampler_p, n_vocab: int
    ) -> None:
        self._chain = chain
        self._grammar: llama_cpp.llama_sampler_p | None = grammar
        self._n_vocab = n_vocab
        self._candidates = internals.LlamaTokenDataArray(n_vocab=n_vocab)
        self._one = (llama_cpp.llama_token_data * 1)()
        self._one_array = llama_cpp.llama_token_data_array(
            data=ctypes.cast(self._one, llama_cpp.llama_token_data_p), size=1, selected=-1, sorted=False
        )
        self.tokens_sampled = 0
        self.tokens_redrawn = 0

    def sample(self, ctx: internals.LlamaContext, idx: int = -1) -> int:
        grammar = self._live_grammar()
        pointer = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        logits = np.ctypeslib.as_array(pointer, shape=(self._n_vocab,))
        token = self._draw(logits, grammar=None)
        if not self._allows(grammar, token):
            self.tokens_redrawn += 1
            token = self._draw(logits, grammar=grammar)
        llama_cpp.llama_sampler_accept(grammar, token)
        self._chain.accept(token)
        self.tokens_sampled += 1
        return token

    def close(self) -> None:
        if self._grammar is not None:
            llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None
        self._chain.close()  # type: ignore[no-untyped-call]

    def __del__(self) -> None:
        self.close()

    def _live_grammar(self) -> llama_cpp.llama_sampler_p:
        if self._grammar is None:
            raise RuntimeError("the sampler was closed")
        return self._grammar

    def _draw(
        self, logits: np.ndarray[Any, np.dtype[np.float32]], grammar: llama_cpp.llama_sampler_p | None
    ) -> int:
        candidates = self._candidates
        candidates.copy_logits(logits)
        candidates.candidates.selected = -1
        array = ctypes.byref(candidates.candidates)
        if grammar is not None:
            llama_cpp.llama_sampler_apply(grammar, array)
        llama_cpp.llama_sampler_apply(self._chain.sampler, array)
        selected = candidates.candidates.selected
        if selected < 0:
            raise RuntimeError("the sampler chain selected no token")
        return int(candidates.candidates_data.id[selected])

    def _allows(self, grammar: llama_cpp.llama_sampler_p, token: int) -> bool:
        self._one[0] = llama_cpp.llama_token_data(id=token, logit=0.0, p=0.0)
        self._one_array.size = 1
        self._one_array.selected = -1
        self._one_array.sorted = False
        llama_cpp.llama_sampler_apply(grammar, ctypes.byref(self._one_array))
        return not math.isinf(self._one[0].logit)


class GrammarCheckedLlama(llama_cpp.Llama):
    """`Llama` whose grammar-constrained generations use `GrammarCheckedSampler`."""

    def _init_sampler(self, *args: Any, **kwargs: Any) -> Any:
        # `Llama` passes every option by name.
        grammar: LlamaGrammar | None = kwargs.pop("grammar", None)
        chain = super()._init_sampler(*args, **kwargs)
        if grammar is None:
            return chain
        grammar_sampler = llama_cpp.llama_sampler_init_grammar(
            self._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not grammar_sampler:
            chain.close()
            raise ValueError("llama.cpp could not compile the grammar")
        return GrammarCheckedSampler(chain, grammar_sampler, self._n_vocab)
