# `make demo` and `make test` are all the set-up there is: each (re)builds .venv from
# pyproject.toml when it is missing or older than pyproject.toml or constraints.txt, then runs.
# Versions: constraints.txt pins every package `make` installs, so two analysts of one review run
# the same versions; `make lock` re-resolves the newest versions pyproject.toml allows and rewrites
# it (README, "Versions").
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONSTRAINTS       := constraints.txt
BENCH_CONSTRAINTS := constraints-bench.txt

.PHONY: demo test bench attack lock clean browser

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 2; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/slr --root . -c config/demo.yaml run --offline

test: $(STAMP)
	$(BIN)/python -m pytest

# The site's browser test (tests/report/test_site_browser.py) drives Debian's headless Chromium;
# it skips, saying so, where there is none. `make browser` installs it (root, or sudo) if missing.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then echo "chromium: $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
		&& echo "chromium installed: $$(chromium --version 2>/dev/null)"; \
	else echo "warning: no $(CHROMIUM) and no apt-get; the browser test will be skipped"; fi

# The tools we compare against get a venv of their own: ASReview 3.0.8 needs pandas < 3, which
# would otherwise downgrade the pandas that `make test` and `make demo` use. Hence its own pins.
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml $(BENCH_CONSTRAINTS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 2; }
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -c $(BENCH_CONSTRAINTS) -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python bench/run_all.py

# The attack battery of issue 14: hostile inputs against the real command (bench/results/attack.md).
attack: $(STAMP)
	$(BIN)/python bench/attack.py
# Re-resolve: a throw-away venv gets the newest versions pyproject.toml allows, without the pins,
# and its `pip freeze` becomes the new pins (one file for .venv, one for .venv-bench). Run the
# tests and the demo after it, and commit the constraints files with what changed in the outputs.
LOCK_VENV := .venv-lock

lock:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Error: $(PYTHON) not found"; exit 2; }
	$(MAKE) --no-print-directory _freeze EXTRAS=dev OUT=$(CONSTRAINTS)
	$(MAKE) --no-print-directory _freeze EXTRAS=dev,bench OUT=$(BENCH_CONSTRAINTS)
	rm -rf $(LOCK_VENV)

_freeze:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/pip install --quiet -e '.[$(EXTRAS)]'
	{ echo "# Exact versions that \`make\` installs with -e '.[$(EXTRAS)]' (pip install -c $(OUT))."; \
	  echo "# Written by \`make lock\` on $$(date -u +%Y-%m-%d) with $$($(LOCK_VENV)/bin/python -V) on $$(uname -sm);"; \
	  echo "# do not edit by hand: change pyproject.toml, then run \`make lock\`."; \
	  $(LOCK_VENV)/bin/pip freeze --exclude-editable; } > $(OUT).tmp
	mv $(OUT).tmp $(OUT)

clean:
	rm -rf outputs/demo
