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

# Registry downloads are sometimes cut off part-way (seen on CI: a 57 MB wheel stalled 0.4 MB short through all
# of pip's resumes, while the same file came whole a minute later). So each install is tried up to three times,
# 30 s apart; pip's cache keeps the files that did arrive, so a retry fetches only what is missing.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --retries 10
define pip_install_with_retries
for attempt in 1 2 3; do \
	  $(PIP_INSTALL) $(1) && break; \
	  if [ $$attempt = 3 ]; then echo "pip install $(1) failed 3 times" >&2; exit 1; fi; \
	  echo "pip install $(1) failed (attempt $$attempt of 3); trying again in 30 s" >&2; sleep 30; \
	done
endef

# A new venv takes about 2.8 GB and pip's cache up to 1 GB more. With the disk nearly full, downloads broke off
# part-way and pip blamed the network (seen here with 168 MB free), so a first install says what is wrong up front.
INSTALL_NEEDS_MB := 4000

$(STAMP): pyproject.toml
	@free_mb=$$(df -Pk . | awk 'NR == 2 {print int($$4 / 1024)}'); \
	if [ ! -x $(BIN)/python ] && [ "$$free_mb" -lt $(INSTALL_NEEDS_MB) ]; then \
	  echo "Only $$free_mb MB free on the disk that holds $(VENV); the install needs about $(INSTALL_NEEDS_MB) MB. Free some space, then run make again." >&2; \
	  exit 1; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call pip_install_with_retries,--upgrade pip)
	# The CPU build of torch first, pinned: unpinned, pip would pull several GB of CUDA wheels.
	$(call pip_install_with_retries,--resume-retries 20 torch==2.13.0)
	$(call pip_install_with_retries,--resume-retries 20 -e '.[test]')
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
	  if [ "$$(id -u)" = 0 ]; then apt-get -o Acquire::Retries=5 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=5 install -y -qq chromium >/dev/null; \
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
