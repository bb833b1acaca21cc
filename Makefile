# Plan Portal: `make run` and `make test` work on a fresh Debian machine.
# Everything they need is installed here, idempotently (stamps skip work already done).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` and friends default to the local settings; `make test` always uses the test settings
# (pytest.ini), whatever the caller's environment says.
export DJANGO_SETTINGS_MODULE ?= plan_portal.settings.local
TEST_ENV := DJANGO_SETTINGS_MODULE=plan_portal.settings.test
# Debian packages: gettext (compile translations), Pango (WeasyPrint PDFs),
# DejaVu fonts (fallback glyphs), Liberation Serif 2 (the weekly PDF: Times New Roman metrics with
# every Vietnamese letter; version 1 of fonts-liberation has none of them), poppler (PDF checks), Node.js (front-end assets); for tests
# chromium and redis-server (tests start their own Redis to stop or freeze it).
SYSTEM_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation2 poppler-utils
TEST_SYSTEM_PACKAGES := chromium redis-server
# `make bench`: wrk drives the load (bench/wrk.lua).
BENCH_SYSTEM_PACKAGES := wrk

.PHONY: run test mutants setup setup-test system-deps system-deps-test assets messages migrate demo worker beat lint format check clean bench

run: setup migrate demo ## Set up and start the portal with demo data on http://$(HOST):$(PORT)
	@echo "Plan Portal: http://$(HOST):$(PORT)/  (demo accounts above)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup-test ## Everything the tests need, then lint and the whole suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Mutation testing (mutmut) of tasks/services.py, tasks/selectors.py, reports/dashboard.py and
# reports/services.py on SQLite, without the browser and worker tests; prints the share killed.
# Slow (about 2,500 mutants: hours on two cores), so not part of `make test`. Each run starts from
# a fresh copy (mutmut does not refresh the copies of files it does not mutate, tests included);
# MUTANTS_KEEP=1 continues the previous run instead. MUTANTS limits the run to mutant name patterns:
#   make mutants MUTANTS='tasks.services.* reports.dashboard.x__rate__*'
# MUTANTS_CHILDREN sets the parallelism.
MUTANTS_CHILDREN ?= 2
MUTANTS ?=
MUTANTS_KEEP ?=
mutants: setup-test
	$(if $(MUTANTS_KEEP),,rm -rf mutants)
	env -u DATABASE_URL -u REDIS_URL $(TEST_ENV) $(VENV)/bin/mutmut run --max-children $(MUTANTS_CHILDREN) $(MUTANTS)
	$(PY) scripts/mutants_summary.py

setup: system-deps $(VENV)/.installed assets messages
setup-test: system-deps system-deps-test $(VENV)/.installed-dev assets messages

# apt-get only when something is missing, so a warm machine needs no network.
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@# Node.js may come from elsewhere than Debian: look for the commands, not the packages.
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

system-deps-test:
	@missing=$$(for p in $(TEST_SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@test -x /usr/bin/chromium || { echo "Debian's chromium is missing (/usr/bin/chromium)"; exit 1; }
	@# The Nu HTML checker (npm vnu-jar) runs on Java; any JRE will do, so look for the command.
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq default-jre-headless; }

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

assets: static/vendor/.stamp
static/vendor/.stamp: package.json package-lock.json scripts/vendor_static.sh
	bash scripts/vendor_static.sh

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --no-input -v0

demo: $(VENV)/.installed ## Units, the 2020 plan, demo accounts and history (idempotent)
	$(PY) manage.py load_plan
	$(PY) manage.py seed_demo
	@if $(PY) manage.py help build_reports >/dev/null 2>&1; then $(PY) manage.py build_reports --plan 2020; fi

# Jobs with REDIS_URL set, on a laptop (local settings unless DJANGO_SETTINGS_MODULE says otherwise);
# the server runs the same commands from deploy/systemd/.
worker: setup
	$(VENV)/bin/celery -A plan_portal worker --loglevel=INFO --concurrency=2
beat: setup
	$(VENV)/bin/celery -A plan_portal beat --loglevel=INFO

# Load test against PostgreSQL + Redis (see README, Performance). BENCH_DURATION=3 for a ~1-minute smoke run.
bench: setup
	@missing=$$(for p in $(BENCH_SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	$(PY) bench/run.py

makemessages: $(VENV)/.installed
	$(PY) manage.py makemessages -l vi --no-location --no-obsolete --ignore=.venv --ignore=node_modules --ignore=static/vendor

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles db.sqlite3* media test-artifacts
