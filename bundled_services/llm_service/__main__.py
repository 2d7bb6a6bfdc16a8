"""Entry point: `python -m bundled_services.llm_service [llama_cpp.server options]`."""

from __future__ import annotations

import logging
import sys

import llama_cpp
import llama_cpp.server.__main__ as llama_server

from bundled_services.llm_service import build
from bundled_services.llm_service.model import ServedLlama


def main() -> None:
    # Said at start, in the log the supervisor shows when a service fails to start: otherwise the
    # server loads the model, answers its health probe and dies on the first request.
    problem = build.build_problem(build.system_info())
    if problem is not None:
        sys.exit(problem)
    # What the opening-turn cache does goes to the server's log, next to llama.cpp's own timings.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    service_logger = logging.getLogger("bundled_services.llm_service")
    service_logger.addHandler(handler)
    service_logger.setLevel(logging.INFO)
    # The server builds its model as `llama_cpp.Llama(**settings)` with no hook for a subclass; the
    # subclass changes how a grammar-constrained token is drawn and keeps opening turns (see `model`).
    llama_cpp.Llama = ServedLlama  # type: ignore[misc]
    llama_server.main()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
