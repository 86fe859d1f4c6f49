# Eligibility Workbench: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SAMPLE_SEED ?= 20260901

.PHONY: demo test test-slow lint format bench bench-england bench-linkage-scale samples docs clean help browser

help:
	@echo "make demo   - create .venv, install, build a synthetic council, run the pipeline, write a report"
	@echo "make test   - install the dev tools, run ruff, mypy and the test suite but its slow tests"
	@echo "make test-slow - run the slow tests (browser, Run All in JupyterLab, the engine against the references, the longest report runs); CI runs both"
	@echo "make bench  - run the benchmarks, results in benchmarks/results/"
	@echo "make bench-england - assess a 16M-household council (England) from CSV and parquet: too long for make bench (5-10 minutes, about 10 GiB of memory, 4.2 GB of disk), results in benchmarks/results/england.md"
	@echo "make bench-linkage-scale - assess a 5M-household council with the default linkage against exact-only: too long for make bench (about 5 minutes, 8 GiB of memory), results in benchmarks/results/linkage_scale.md"
	@echo "make samples - regenerate data_samples/ from their fixed seeds"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,database]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/workbench demo

# pytest exits 5 when it collects no tests: that is a failure here, never a pass.
# `make test` runs every test but the slow ones (browser, Run All in JupyterLab, the engine
# against the references on random councils, the longest report runs), in under 10 minutes;
# `make test-slow` runs those; CI (.ci/run) runs both.
test: $(VENV)/.dev-installed browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow" --durations=20; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: treating as a failure"; exit 1; fi; \
	  exit $$rc

test-slow: $(VENV)/.dev-installed browser
	@$(BIN)/python -m pytest -n 2 --dist loadfile -m slow; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: treating as a failure"; exit 1; fi; \
	  exit $$rc

# Browser tests drive Debian's chromium (never `playwright install`); install it where we can.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" -eq 0 ]; then \
	  apt-get update -qq && apt-get install -y -qq chromium; \
	else echo "chromium is not at /usr/bin/chromium and cannot be installed here (needs apt-get as root): the browser tests will be skipped"; fi

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.profile_assess
	$(BIN)/python -m benchmarks.linkage
	$(BIN)/python -m benchmarks.linkage_external
	$(BIN)/python -m benchmarks.review_store
	$(BIN)/python -m benchmarks.database
	$(BIN)/python -m benchmarks.profile_read
	$(BIN)/python -m benchmarks.commands

# Not part of `make bench`: making the 16M-household council (4.2 GB of disk, cached in
# benchmarks/.cache/) and assessing it takes 5-10 minutes and up to 10 GiB of memory.
bench-england: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.england

# Not part of `make bench` either: the default linkage on a 5M-household council (about 400
# MB of parquet, cached in benchmarks/.cache/) takes about 5 minutes and up to 8 GiB.
bench-linkage-scale: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.linkage_scale

samples: $(VENV)/.installed
	rm -rf data_samples/council_small data_samples/council_messy data_samples/council_medium
	$(BIN)/workbench synth --households 300 --seed $(SAMPLE_SEED) --out data_samples/council_small
	$(BIN)/workbench synth --households 300 --seed $(SAMPLE_SEED) --messy --out data_samples/council_messy
	$(BIN)/workbench synth --households 5000 --seed $(SAMPLE_SEED) --out data_samples/council_medium

docs: $(VENV)/.installed
	$(BIN)/python -m workbench.docs README.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
