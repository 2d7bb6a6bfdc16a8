# Ascend AI: `make run` (the main job) and `make test` (everything CI checks).
# Both install what they need into .venv on a fresh machine; re-runs reuse it.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := embedded,ml,llm-server,dev
# Models are provisioned once into a cache outside the checkout, so every clone and CI run reuses them.
export ASCEND_MODELS_DIR ?= $(HOME)/.cache/ascend-models

.PHONY: install lint typecheck imports test pytest run serve clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $@

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest

test: lint typecheck imports pytest

run: install
	$(BIN)/ascend serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
