# Stream's two everyday commands: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build that these machines ship as a local wheel; pip's default elsewhere works too.
TORCH_VERSION ?= 2.13.0
STAMP := $(VENV)/.installed
# Tests, CI and the demo never depend on the Hugging Face hub.
export PATH := $(CURDIR)/$(BIN):$(PATH)
OFFLINE := STREAM_MODEL=stream-gpt2-standin HF_HUB_OFFLINE=1

.PHONY: demo test bench lint build clean system-packages
# Page tests render HTML in headless Chromium; autograding runs student code under bubblewrap;
# the PostgreSQL gradebook tests start their own server; the JupyterHub test installs its proxy
# with npm.
CHROMIUM := $(shell command -v chromium || command -v chromium-browser || command -v google-chrome)
BWRAP := $(shell command -v bwrap)
POSTGRES := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb) $(shell command -v initdb))
NPM := $(shell command -v npm)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version)). Set PYTHON=python3.11 or use conda (environment.yml)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==$(TORCH_VERSION)" || $(BIN)/python -m pip install --quiet torch
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: the instructor's whole pipeline on sample submissions, offline
demo: $(STAMP) system-packages
	$(OFFLINE) $(BIN)/stream-course demo

## test: the whole suite, offline
# Test files run in up to 4 pytest-xdist workers (a file's fixtures are built once, in one
# worker), the longest first (tests/conftest.py). `make test TEST_WORKERS=0`: one process.
TEST_WORKERS ?= auto --maxprocesses 4
test: $(STAMP) system-packages
	$(OFFLINE) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

## bench: benchmarks, writes benchmarks/results.json
bench: $(STAMP)
	$(OFFLINE) $(BIN)/python benchmarks/run.py

## build: regenerate release/ and notebooks/ from source/
build: $(STAMP)
	$(OFFLINE) $(BIN)/stream-course build

lint: $(STAMP)
	$(BIN)/ruff check stream_course tests benchmarks source

clean:
	rm -rf autograded submitted feedback gradebook.db exports

# What each command needs from the system (inherited by system-packages): the demo grades under
# bubblewrap; the tests also render pages in Chromium, start a PostgreSQL server, and run a
# JupyterHub whose proxy comes from npm.
demo: NEEDED = $(if $(BWRAP),,bubblewrap)
test: NEEDED = $(if $(CHROMIUM),,chromium) $(if $(BWRAP),,bubblewrap) $(if $(POSTGRES),,postgresql) $(if $(NPM),,npm)

system-packages:
	@missing="$(NEEDED)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing system packages: $$missing (Debian/Ubuntu: sudo apt-get install $$missing)"; exit 1; \
	  fi; \
	fi
