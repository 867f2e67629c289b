# tongbu — two commands: `make run` (product with demo data on SQLite) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
DB_FILE ?= var/tongbu.db
DEMO_URL := sqlite:///$(abspath $(DB_FILE))
export TONGBU_DATABASE_URL ?= $(DEMO_URL)
PORT ?= 5000

.PHONY: help run reset-demo test lint bench screenshots clean check-python system-deps

help:
	@echo "make run   — set up, migrate, load demo data and start tongbu on http://127.0.0.1:5000 (PORT=8080: another port)"
	@echo "make reset-demo — delete the demo database ($(DB_FILE)) and load the demo afresh (keeps .venv)"
	@echo "make test  — set up and run the whole test suite (lint, import contracts, tests)"
	@echo "make bench — run every benchmark and update docs/performance.md (QUICK=1: a 2-minute smoke run)"

check-python:
	@if [ -z "$(PYTHON)" ]; then echo "error: Python 3.11+ is required (python3.11 or python3 not found on PATH)" >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "error: Python 3.11+ is required; $(PYTHON) is $$($(PYTHON) --version 2>&1)" >&2; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { echo "error: $(PYTHON) lacks venv/ensurepip (Debian: apt-get install python3-venv)" >&2; exit 1; }

$(STAMP): setup.cfg pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip || { echo "error: pip could not reach the package index" >&2; exit 1; }
	@$(BIN)/python -m pip install -q -e '.[test]' || { echo "error: installing tongbu and its test extras failed (see above)" >&2; exit 1; }
	@rm -f $(VENV)/.installed-* && touch $@

# The procedure diagrams are laid out by Graphviz's `dot`, which needs Chinese fonts to measure
# (and the browser tests to draw) the labels; the case file sniffs uploads with libmagic and
# prints the case record to PDF with WeasyPrint (Pango): install Debian's packages where missing
# (idempotent). Without them the pages say how to install Graphviz; under CI=true that fails.
system-deps:
	@missing=""; \
	command -v dot >/dev/null || missing="graphviz"; \
	{ fc-list :lang=zh family 2>/dev/null | grep -q . || dpkg -s fonts-noto-cjk >/dev/null 2>&1; } || \
	  missing="$$missing fonts-noto-cjk"; \
	for lib in libmagic.so.1 libpango-1.0.so.0 libpangoft2-1.0.so.0; do \
	  ldconfig -p 2>/dev/null | grep -q "$$lib" || case $$lib in \
	    libmagic*) missing="$$missing libmagic1";; \
	    libpangoft2*) missing="$$missing libpangoft2-1.0-0";; \
	    *) missing="$$missing libpango-1.0-0";; esac; \
	done; \
	missing="$${missing# }"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's $$missing (procedure diagrams, document types, PDF records)"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing || \
	      { echo "error: apt-get could not install $$missing (needed for diagrams, uploads and PDF records)" >&2; exit 1; }; \
	  else \
	    echo "error: tongbu needs Debian's $$missing (Graphviz's dot, Chinese fonts, libmagic, Pango)" \
	         "and this user cannot install it; as root run: apt-get update && apt-get install -y $$missing" >&2; \
	    if [ "$${CI:-}" = true ]; then exit 1; fi; \
	    echo "the procedure diagrams will say how to install Graphviz instead (fails under CI=true)" >&2; \
	  fi; \
	fi

run: $(STAMP) system-deps
	@mkdir -p $(dir $(DB_FILE))
	@$(BIN)/tongbu db upgrade
	@$(BIN)/tongbu demo
	@$(BIN)/tongbu serve --host 127.0.0.1 --port $(PORT)

# The demo database only: never a database TONGBU_DATABASE_URL names elsewhere.
reset-demo: $(STAMP)
	@if [ "$$TONGBU_DATABASE_URL" != "$(DEMO_URL)" ]; then \
	  echo "error: reset-demo resets only the demo database $(DB_FILE), and TONGBU_DATABASE_URL names another" \
	       "($$TONGBU_DATABASE_URL); unset it (or set DB_FILE=…) to reset a demo database" >&2; exit 1; fi
	@rm -f $(DB_FILE) $(DB_FILE)-wal $(DB_FILE)-shm $(DB_FILE)-journal
	@mkdir -p $(dir $(DB_FILE))
	@$(BIN)/tongbu db upgrade
	@$(BIN)/tongbu demo
	@echo "demo database $(DB_FILE) loaded afresh; start it with: make run"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/tongbu definitions check

test: lint system-deps
	@# Browser tests drive Debian's Chromium: install it where missing (idempotent).
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || \
	      { echo "error: apt-get could not install chromium (needed by tests/e2e)" >&2; exit 1; }; \
	  else \
	    echo "error: /usr/bin/chromium is missing and this user cannot install it;" \
	         "as root run: apt-get update && apt-get install -y chromium" >&2; \
	    if [ "$${CI:-}" = true ]; then exit 1; fi; \
	    echo "the browser tests will be skipped (they fail under CI=true)" >&2; \
	  fi; \
	fi
	@# One test process per CPU (pytest-xdist), a test file on one process (its fixtures and order as in one process): every test makes its own databases and ports.
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

bench: $(STAMP)
	@$(BIN)/python -m pip install -q -e '.[test,bench]' || { echo "error: installing the bench extra (SpiffWorkflow) failed" >&2; exit 1; }
	$(BIN)/python -m bench.run $(if $(QUICK),--quick,)

screenshots: $(STAMP) system-deps
	TONGBU_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
