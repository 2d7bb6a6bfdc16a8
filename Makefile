# Ascend AI: `make run` (the main job) and `make test` (everything CI checks).
# Both install what they need into .venv on a fresh machine; re-runs reuse it.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := embedded,ml,llm-server,speech,desktop,installer,dev
# Models are provisioned once into a cache outside the checkout, so every clone and CI run reuses them.
export ASCEND_MODELS_DIR ?= $(HOME)/.cache/ascend-models

# Debian packages the test suite drives for real: a network namespace for the privacy test (iproute2,
# procps), speech synthesis for spoken test answers (espeak-ng, sox), a virtual microphone
# (PulseAudio), PortAudio for sounddevice, and the libraries Qt needs.
APT_PACKAGES := iproute2 procps espeak-ng sox libsox-fmt-all pulseaudio pulseaudio-utils libasound2-plugins libportaudio2 \
	libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0
SYSTEM_STAMP := $(VENV)/.system-packages

.PHONY: install system-packages lint typecheck imports test pytest run serve clean

system-packages: $(SYSTEM_STAMP)

# Re-checked whenever this file (and so the list) changes.
$(SYSTEM_STAMP): Makefile
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "Missing Debian packages: $$missing"; \
			echo "Install them with: sudo apt-get install $$missing"; exit 1; \
		fi; \
	fi
	@mkdir -p $(VENV) && touch $@

# llama-cpp-python compiles llama.cpp for this CPU (-march=native), AMX kernels included where the CPU
# has them (Sapphire Rapids and later), and those crash on their first matrix product
# (ggml-org/llama.cpp#20824; seen here on a 2-core Xeon VM: GCC drops the stores that fill the tile
# configuration before `ldtilecfg` reads it). Fixed, they would still be slower than AVX-512 on the
# pinned Q4_K_M models (README, coaching benchmark). Built without AMX, llama.cpp uses the same CPU's
# AVX-512 kernels. pip caches the built wheel without regard to these flags: `ascend doctor`
# tells when a wheel cached before them is installed (`pip cache remove llama_cpp_python`, then rebuild).
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
export CMAKE_ARGS ?= -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Ascend AI and its dependencies into $(VENV) (extras: $(EXTRAS))."
	@echo "The first time takes 10-20 minutes: PyTorch (CPU), Qt, and llama-cpp-python, which compiles"
	@echo "llama.cpp for this CPU (the step that sits on 'Building wheel for llama-cpp-python' for minutes)."
	$(BIN)/python -m pip install --quiet --upgrade pip
	set -o pipefail; $(BIN)/python -m pip install --progress-bar off -e ".[$(EXTRAS)]" \
		| { grep --line-buffered -E '^(Collecting|Building wheel|Successfully|Installing collected)' || true; }
	@touch $@

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install system-packages
	$(BIN)/pytest

test: lint typecheck imports pytest

# The main job: the desktop app on the embedded stack when there is a display, otherwise the whole
# coaching workflow on the sample resume, job description and spoken answer, printed as a report.
run: install
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		$(BIN)/ascend desktop; \
	else \
		$(BIN)/ascend practice --resume examples/resume.pdf --jd examples/job_description.txt \
			--answer examples/answer.wav; \
	fi

serve: install
	$(BIN)/ascend serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
