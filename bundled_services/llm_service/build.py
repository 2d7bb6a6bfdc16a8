"""Whether the installed llama.cpp can run the pinned models on this CPU.

llama.cpp's AMX kernels (Sapphire Rapids and later) crash on their first matrix product, which for the
pinned models is the first prompt (ggml-org/llama.cpp#20824: GCC drops the stores that fill the tile
configuration before `ldtilecfg` reads it). The Makefile builds llama-cpp-python without
them, but pip reuses a wheel it built and cached before, whatever the flags.
"""

from __future__ import annotations

import re

import llama_cpp

AMX_BUILT_IN = "AMX_INT8 = 1"
REBUILD = "`.venv/bin/pip cache remove llama_cpp_python && make clean install`"


def built_features(system_info: str) -> list[str]:
    """The CPU features llama.cpp's system info says were compiled in ("AVX2 = 1 | AMX_INT8 = 0 | …")."""
    return [name for name, flag in re.findall(r"(\w+) = (\d+)", system_info) if flag != "0"]


def build_problem(system_info: str) -> str | None:
    if AMX_BUILT_IN in system_info:
        return (
            "llama.cpp was built with AMX kernels, which crash on the pinned models "
            f"(ggml-org/llama.cpp#20824): rebuild it without them with {REBUILD}"
        )
    return None


def system_info() -> str:
    info: bytes = llama_cpp.llama_print_system_info()
    return info.decode(errors="replace")
