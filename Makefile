# Two commands do all the set-up: `make run` and `make test`. Both create .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1
export ANONYMIZED_TELEMETRY ?= False
export GRADIO_ANALYTICS_ENABLED ?= False

.PHONY: run lint test ingest eval bench scifact scifact-quick chromium clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first, pinned: unpinned, pip would pull several GB of CUDA wheels.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# Export the bundled model to ONNX once (fp32 and int8, checked against PyTorch), so the first question need not.
	$(BIN)/python -m ldn_assistant.onnx_export
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ldn-assistant ingest --wait 60 || [ $$? -eq 3 ]
	$(BIN)/ldn-assistant chat

ingest: $(STAMP)
	$(BIN)/ldn-assistant ingest

# Browser tests drive Debian's chromium; install it when it is missing (needs root, as on CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing; browser tests will be skipped (install Debian's chromium package)"; fi; }

# Lint and types first (configured in pyproject.toml): any finding fails `make test`, and so CI.
lint: $(STAMP)
	$(BIN)/ruff check src evals tests
	$(BIN)/ruff format --check src evals tests
	$(BIN)/mypy src/ldn_assistant

test: lint chromium
	$(BIN)/python -m pytest

# Ingest first (incremental, so quick when nothing changed): an index built by an older version is rebuilt, not refused.
eval: $(STAMP)
	$(BIN)/ldn-assistant ingest --wait 60 || [ $$? -eq 3 ]
	$(BIN)/ldn-assistant eval --report-dir reports/eval

bench: $(STAMP)
	$(BIN)/ldn-assistant bench --report-dir reports/bench

# SciFact, the bare engine on a public benchmark (dev claims, held out): the 1,200-abstract subset, then
# the full 5,183-abstract corpus. Long (the full corpus ingests ~50,000 sentences); not part of `make test`.
# Corpora and indexes are cached in reports/scifact/; reports go to reports/scifact/<split>-<size>/.
scifact: $(STAMP)
	$(BIN)/ldn-assistant eval --suite scifact --split dev --n-docs 1200
	$(BIN)/ldn-assistant eval --suite scifact --split dev --n-docs full

# The first 50 dev claims on the 1,200-abstract subset (the first run also builds its index).
scifact-quick: $(STAMP)
	$(BIN)/ldn-assistant eval --suite scifact --split dev --n-docs 1200 --max-claims 50

clean:
	rm -rf $(VENV) index/chroma index/*.json reports .mypy_cache .ruff_cache
