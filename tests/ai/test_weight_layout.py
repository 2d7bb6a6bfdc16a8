"""Which weight layout the model server asks llama.cpp for, and that llama.cpp is really asked.

The choice is read off llama.cpp's system info (AVX-512 keeps the weights as stored, elsewhere they
are repacked, as llama.cpp does by default) unless `ASCEND_LLM_REPACK` says otherwise; the real
small model is loaded both ways to check what reached llama.cpp's model parameters.
"""

from __future__ import annotations

from pathlib import Path

import llama_cpp.llama_cpp as bindings
import pytest

from bundled_services.llm_service.model import ServedLlama
from bundled_services.llm_service.weight_layout import (
    REPACK_VARIABLE,
    model_params_with_extra_buffers,
    repack_weights,
)

AVX512_MACHINE = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | LLAMAFILE = 1 | OPENMP = 1 | "
    "REPACK = 1 | "
)
AVX2_LAPTOP = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


def test_an_avx512_build_keeps_the_weights_as_stored_and_others_repack_them() -> None:
    assert repack_weights({}, AVX512_MACHINE) is False
    assert repack_weights({}, AVX2_LAPTOP) is True
    # A feature compiled out is listed as 0, which is not having it.
    assert repack_weights({}, AVX512_MACHINE.replace("AVX512 = 1", "AVX512 = 0")) is True


def test_the_variable_overrides_the_cpu_either_way() -> None:
    assert repack_weights({REPACK_VARIABLE: "1"}, AVX512_MACHINE) is True
    assert repack_weights({REPACK_VARIABLE: " 0 "}, AVX2_LAPTOP) is False
    assert repack_weights({REPACK_VARIABLE: ""}, AVX2_LAPTOP) is True


def test_a_value_that_is_not_1_or_0_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=REPACK_VARIABLE) as refused:
        repack_weights({REPACK_VARIABLE: "yes"}, AVX512_MACHINE)
    assert "'yes'" in str(refused.value)


def load_that_fails() -> None:
    with model_params_with_extra_buffers(False):
        assert bindings.llama_model_default_params().use_extra_bufts is False
        raise RuntimeError("the model did not load")


def test_the_library_defaults_are_restored_even_when_loading_fails() -> None:
    with pytest.raises(RuntimeError, match="did not load"):
        load_that_fails()
    assert bindings.llama_model_default_params().use_extra_bufts is True


@pytest.mark.parametrize("repack", [False, True])
def test_the_served_model_is_loaded_with_the_layout_asked_for(small_gguf: Path, repack: bool) -> None:
    model = ServedLlama(model_path=str(small_gguf), n_ctx=512, n_threads=2, verbose=False, repack=repack)
    try:
        assert model.model_params.use_extra_bufts is repack
        reply = model.create_completion("The capital of France is", max_tokens=4, temperature=0.0)
        assert isinstance(reply, dict)
        assert "Paris" in reply["choices"][0]["text"]
    finally:
        model.close()
    assert bindings.llama_model_default_params().use_extra_bufts is True
