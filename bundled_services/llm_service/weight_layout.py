"""Whether llama.cpp copies the weights into its repacked CPU layout (`use_extra_bufts`).

By default llama.cpp copies every Q4_K matrix into an interleaved layout (its "CPU_REPACK" buffer)
whose kernels were written for AVX2. On an AVX-512 machine (a 2-core Sapphire Rapids VM, the 1.5B
model) the plain layout read prompts 20-30% faster (62 against 48 tokens/s at the start of the
context, 50 against 42 deep in it; medians of four alternating loads each), wrote tokens as fast
(8.4 tokens/s both), and the process held 611 MB less memory, since the repacked copy sits beside the
mapped file. Elsewhere llama.cpp's default stands: its repacked kernels are what AVX2 laptops gain
from, and nothing here measured otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

import llama_cpp.llama_cpp as bindings

from bundled_services.llm_service import build

REPACK_VARIABLE = "ASCEND_LLM_REPACK"
AVX512 = "AVX512"


def repack_weights(environ: Mapping[str, str], system_info: str) -> bool:
    """`ASCEND_LLM_REPACK` (1 or 0) when set, else repack unless llama.cpp was built for AVX-512."""
    value = environ.get(REPACK_VARIABLE, "").strip()
    if value in ("1", "0"):
        return value == "1"
    if value:
        raise ValueError(
            f"{REPACK_VARIABLE} must be 1 (repack the weights) or 0 (keep them as stored), not {value!r}"
        )
    return AVX512 not in build.built_features(system_info)


@contextlib.contextmanager
def model_params_with_extra_buffers(enabled: bool) -> Iterator[None]:
    """While a `Llama` is built, have its model parameters ask for (or not) the extra buffers.

    `Llama.__init__` takes no such option: it fills `llama_model_default_params()` and loads the
    model in the same call, so the defaults it reads are what can be changed.
    """
    # `Llama` looks the function up on the bindings module (`llama_cpp.llama_cpp`) at each call.
    defaults: Callable[[], bindings.llama_model_params] = bindings.llama_model_default_params

    def with_extra_buffers() -> bindings.llama_model_params:
        params = defaults()
        params.use_extra_bufts = enabled
        return params

    bindings.llama_model_default_params = with_extra_buffers
    try:
        yield
    finally:
        bindings.llama_model_default_params = defaults
