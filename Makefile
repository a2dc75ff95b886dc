# 帮扶 Relief — the two commands of the README: `make run` and `make test`.
# Also `make lint` (ruff + mypy) and `make bench` (the case-list benchmark).
SHELL := /bin/bash

# Django 6.1 needs Python 3.12+. Take the newest interpreter found on PATH or in pyenv.
PY_CANDIDATES := python3.14 python3.13 python3.12 \
	$(wildcard $(HOME)/.pyenv/versions/3.14*/bin/python3) \
	$(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) \
	$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) \
	python3
PYTHON ?= $(shell for p in $(PY_CANDIDATES); do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	command -v "$$p"; break; fi; done)

VENV := .venv
VENV_PY := $(VENV)/bin/python
RUN_ENV := DEBUG=1
TEST_ENV := SECRET_KEY=tests-only-secret-key DEBUG=0
# setsid puts the `make run` worker in a process group of its own (util-linux; absent on
# some systems, where the worker is stopped alone).
WORKER_LAUNCH := $(shell command -v setsid 2>/dev/null)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench messages clean check-python

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "No Python 3.12 or newer found (Django 6.1 needs it)."; \
		echo "Install one (e.g. 'pyenv install 3.13') or run: make PYTHON=/path/to/python3.12 ..."; \
		exit 1; fi

$(VENV)/.run-deps: requirements.txt | check-python
	@test -x $(VENV_PY) || (echo "Creating $(VENV) with $(PYTHON)" && "$(PYTHON)" -m venv $(VENV))
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.test-deps: requirements-test.txt $(VENV)/.run-deps
	$(VENV_PY) -m pip install --quiet -r requirements-test.txt
	@touch $@

$(VENV)/.bench-deps: requirements-bench.txt $(VENV)/.test-deps
	$(VENV_PY) -m pip install --quiet -r requirements-bench.txt
	@touch $@

run: $(VENV)/.run-deps
	$(RUN_ENV) $(VENV_PY) manage.py migrate --noinput
	$(RUN_ENV) $(VENV_PY) manage.py loaddemo
	@echo "Serving the admin on http://$(HOST):$(PORT)/admin/ with one background worker (Ctrl-C stops both)"
	@# The worker runs in its own process group (setsid), so that stopping it takes its
	@# autoreloader's child too; the trap stops it however the server ends.
	@$(RUN_ENV) $(WORKER_LAUNCH) $(VENV_PY) manage.py db_worker --verbosity 0 & worker=$$!; \
	trap 'kill -TERM -- -$$worker 2>/dev/null || kill -TERM $$worker 2>/dev/null; \
	      wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(VENV_PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.test-deps
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "NOTE: /usr/bin/chromium not found: the browser tests will be skipped" \
		     "(apt-get install chromium to run them)."; fi
	@if ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "NOTE: no font covers Chinese: the bulletin PDF tests will be skipped" \
		     "(apt-get install fonts-noto-cjk to run them)."; fi
	$(TEST_ENV) $(VENV_PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(VENV_PY) -m ruff check .
	$(VENV_PY) -m ruff format --check .
	$(TEST_ENV) $(VENV_PY) -m mypy

messages: $(VENV)/.run-deps
	$(RUN_ENV) $(VENV_PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=bench
	$(RUN_ENV) $(VENV_PY) manage.py compilemessages -l zh_Hans --ignore=.venv

bench: $(VENV)/.bench-deps
	$(RUN_ENV) $(VENV_PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache
