# booksync — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test install install-test lint arch bench clean messages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

## make run: install, migrate, load the demo studio, serve the site and the worker on 127.0.0.1:$${PORT:-8000}
run: install messages
	$(VENV)/bin/booksync run

## make test: install what the tests need (Python packages, PostgreSQL, Chromium) and run every test
test: install-test messages
	bash scripts/system-deps.sh
	bash scripts/test.sh

## make messages: compile the translation catalogues (booksync/locale/*/django.po → .mo, with Babel)
messages: install
	$(VENV)/bin/python -m booksync.locale_tools compile

lint: install-test
	$(VENV)/bin/ruff check .

## make arch: layer and type figures (scripts/arch_report.py) and the import contracts (`make test` runs both checks too)
arch: install-test
	bash scripts/system-deps.sh
	$(VENV)/bin/python scripts/arch_report.py --pyright
	$(VENV)/bin/lint-imports --no-logo

bench: install-test
	bash scripts/system-deps.sh
	bash scripts/bench.sh $(BENCH)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
