"""FastAPI entry point: `uvicorn main:app` from this directory (or `--app-dir server`)."""

from app.api.app import create_app

app = create_app()
