"""The llama.cpp build check: a build with AMX kernels, which crash on the pinned Q4_K models, is named
before anything is loaded, by the model server and by `ascend doctor` (tests/embedded/test_doctor)."""

from __future__ import annotations

import sys

import pytest

from bundled_services.llm_service import build

SAPPHIRE_RAPIDS_NATIVE = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | "
    "OPENMP = 1 | REPACK = 1 | "
)
WITHOUT_AMX = SAPPHIRE_RAPIDS_NATIVE.replace("AMX_INT8 = 1 | ", "")


def test_a_build_with_amx_kernels_is_a_problem_that_says_how_to_rebuild() -> None:
    problem = build.build_problem(SAPPHIRE_RAPIDS_NATIVE)
    assert problem is not None
    assert "AMX" in problem
    assert "pip cache remove llama_cpp_python" in problem


def test_a_build_without_them_is_none() -> None:
    assert build.build_problem(WITHOUT_AMX) is None
    assert build.built_features(WITHOUT_AMX)[:3] == ["SSE3", "SSSE3", "AVX"]
    assert "AMX_INT8" not in build.built_features(WITHOUT_AMX.replace("REPACK", "AMX_INT8 = 0 | REPACK"))


def test_the_installed_build_runs_the_pinned_models_here() -> None:
    info = build.system_info()
    assert build.built_features(info), info
    assert build.build_problem(info) is None, info


def test_the_model_server_refuses_an_amx_build_before_it_loads_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bundled_services.llm_service import __main__ as service

    monkeypatch.setattr(build, "system_info", lambda: SAPPHIRE_RAPIDS_NATIVE)
    monkeypatch.setattr(sys, "argv", ["llm_service", "--model", "/nonexistent.gguf"])
    with pytest.raises(SystemExit) as stopped:
        service.main()
    assert "AMX" in str(stopped.value.code)
