"""Entry point: `python -m bundled_services.llm_service [llama_cpp.server options]`."""

from __future__ import annotations

import llama_cpp
import llama_cpp.server.__main__ as llama_server

from bundled_services.llm_service.sampling import GrammarCheckedLlama


def main() -> None:
    # The server builds its model as `llama_cpp.Llama(**settings)` with no hook for a subclass; the
    # subclass only changes how a grammar-constrained token is drawn (see `sampling`).
    llama_cpp.Llama = GrammarCheckedLlama  # type: ignore[misc]
    llama_server.main()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
