# Rongrian: `make run` starts the whole system on this machine, `make test` tests it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app complaints
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run web worker beat test test-faults test-unit bench audit lint migrate seed clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Rongrian needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

# Demo data: reference data and accounts, then (only into a database without complaints)
# a few thousand complaints of the current fiscal year so the dashboards have something to show.
DEMO_COMPLAINTS ?= 3000
seed: migrate
	$(FLASK) seed-demo
	@$(FLASK) demo generate --if-empty --count $(DEMO_COMPLAINTS) || echo "demo complaints skipped (see the message above)"

# Web on http://$(HOST):$(PORT) with a Celery worker (and its embedded beat) in the
# background; Ctrl-C, or SIGTERM to make or to its process group, stops both within
# RUN_STOP_GRACE + 2 seconds. HOST and PORT are exported as FLASK_RUN_HOST/PORT, which
# `flask run` reads and from which the config builds the links sent to citizens.
# The worker runs in a process group of its own: a signal to the whole group would reach
# its pool children directly, and a child killed while holding the pool's queue lock
# leaves the worker's warm shutdown waiting for that lock for ever. The trap stops it the
# supported way instead: SIGTERM (warm: sends in flight finish and are recorded), SIGQUIT
# (cold) after RUN_STOP_GRACE seconds, then SIGKILL to its group (a send cut short is sent
# again by the relay once its lease, OUTBOX_LEASE_SECONDS, runs out; docs/operations.md).
# The grace is read from the clock, not counted in checks (each forks ps, slow on a busy
# machine), and the group is killed with `kill -s KILL -- -PGID`: dash, Debian's /bin/sh,
# refuses `kill -KILL -- -PGID`. tests/test_make_run_stop.py holds both to it.
RUN_STOP_GRACE ?= 6
run: seed
	@echo "Rongrian: http://$(HOST):$(PORT)  (Ctrl-C stops the web app and the worker)"
	@export FLASK_RUN_HOST='$(HOST)' FLASK_RUN_PORT='$(PORT)'; \
	setsid $(BIN)/celery -A workers.main worker --beat --schedule instance/celerybeat-schedule \
		-Q notify,default --concurrency 2 --loglevel INFO & worker=$$!; \
	$(FLASK) run & web=$$!; \
	stop() { \
		trap '' INT TERM; kill -TERM $$web $$worker 2>/dev/null; \
		deadline=$$(( $$(date +%s) + $(RUN_STOP_GRACE) )); \
		while [ $$(date +%s) -lt $$deadline ] && ps -o stat= -p $$worker | grep -q '^[^Z]'; do sleep 0.2; done; \
		kill -QUIT $$worker 2>/dev/null && sleep 1; kill -s KILL -- -$$worker 2>/dev/null; wait; \
	}; \
	trap 'stop; exit 0' INT TERM; \
	wait $$web; stop

web: migrate
	$(BIN)/gunicorn --config python:complaints.gunicorn_conf --bind $(HOST):$(PORT) --workers 2 'complaints:create_app()'

worker: install
	$(BIN)/celery --quiet -A workers.main worker -Q notify,default --loglevel INFO

beat: install
	$(BIN)/celery -A workers.main beat --schedule instance/celerybeat-schedule --loglevel INFO

# Style, import order and format (ruff), types (mypy: strict on domain/, nlp/, models/),
# and which way the imports run (lint-imports); settings in pyproject.toml. All four run,
# so one pass shows every problem; the target fails if any of them does.
lint: install
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/lint-imports || status=1; \
	exit $$status

# Tests needing PostgreSQL, Redis, a Celery worker or Chromium are skipped, with the
# reason, when those are absent; RONGRIAN_REQUIRE_SERVICES=1 (set by CI) fails them instead.
# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own databases
# (tests/conftest.py): one more than the cores, at most 4, since about a third of the suite
# waits on real servers, workers and the browser (on two cores: 2 workers 5 min 14 s, 3 workers
# 4 min 4 s, 4 workers 3 min 54 s). TEST_WORKERS=0 runs the suite in this one process.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal $(PYTEST_ARGS)

# Faults under load on servers of its own (PostgreSQL, Redis, gunicorn, Celery, SMTP):
# Redis killed, the worker killed mid-send, PostgreSQL restarted, SMTP down; then
# nothing lost, nothing sent twice. Needs the PostgreSQL server binaries and redis-server.
test-faults: install
	$(BIN)/python -m pytest -m faults tests/faults $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run_all.py

# Known vulnerabilities in the installed packages (pip-audit, PyPI/OSV advisories).
# Exit 2 says the advisory service could not be asked: nothing was audited (SECURITY.md).
audit: install
	$(BIN)/python .ci/audit.py $(AUDIT_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
