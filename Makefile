# `make demo` and `make test` are all the set-up there is: each (re)builds .venv from
# pyproject.toml when it is missing or older than pyproject.toml, then runs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench attack clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/slr --root . -c config/demo.yaml run --offline

test: $(STAMP)
	$(BIN)/python -m pytest

# The tools we compare against get a venv of their own: ASReview 3.0.8 needs pandas < 3, which
# would otherwise downgrade the pandas that `make test` and `make demo` use.
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 2; }
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python bench/run_all.py

# The attack battery of issue 14: hostile inputs against the real command (bench/results/attack.md).
attack: $(STAMP)
	$(BIN)/python bench/attack.py

clean:
	rm -rf outputs/demo
