# `make demo` and `make test` are all the set-up there is: each (re)builds .venv from
# pyproject.toml when it is missing or older than pyproject.toml, then runs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean browser

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

clean:
	rm -rf outputs/demo
