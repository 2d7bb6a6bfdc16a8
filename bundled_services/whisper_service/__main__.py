"""Entry point: `python -m bundled_services.whisper_service [options]` (see the package docstring)."""

from __future__ import annotations

import logging
import sys

import uvicorn

from bundled_services.whisper_service.app import create_app
from bundled_services.whisper_service.config import load_config
from bundled_services.whisper_service.model_file import ModelFileError, check_ggml_model


def main(argv: list[str] | None = None) -> int:
    try:
        config = load_config(sys.argv[1:] if argv is None else argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Checked here too so that a bad path ends the process with a plain message and a
    # non-zero status before the server starts, rather than as a lifespan traceback.
    try:
        check_ggml_model(config.model_path)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="info", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
