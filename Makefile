# The project's one command surface. README names `make run` and `make test`; CI calls `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12+; override with `make PYTHON=/path/to/python3.13 ...`
PYTHON ?= $(shell for p in python3.13 python3.12 $$(ls -d $$HOME/.pyenv/versions/3.1[23]*/bin/python3 2>/dev/null); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && echo $$p && break; done)
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: venv install install-test messages migrate demo run serve worker beat test test-fast e2e lint fault-test bench bench-pdf cluster cluster-test clean

$(VENV)/.installed: requirements/base.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements/test.txt
	$(PY) -m pip install --quiet -r requirements/test.txt
	touch $@

# Test tools from npm: the Nu HTML Checker (vnu-jar, run with Java 17), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node 20) is needed for the HTML checker"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

messages: install
	$(MANAGE) compilemessages --ignore=.venv -v0

migrate: install
	$(MANAGE) migrate --noinput -v0

demo: migrate
	$(MANAGE) seed_demo

# A local portal with demo data: SQLite under var/ and in-process tasks unless DATABASE_URL/REDIS_URL are set.
run: export DEBUG ?= 1
run: export REQUIRE_STAFF_MFA ?= 0
run: export LOG_FORMAT ?= text
run: messages demo
	@echo "Serving on http://$(HOST):$(PORT)/  (DEBUG=$$DEBUG, REQUIRE_STAFF_MFA=$$REQUIRE_STAFF_MFA: staff two-factor is OFF for the demo)"
	# With the local test e-legitimation providers beside it (scripts/demo_idp_oidc, scripts/with_saml_test_idp.py;
	# DEMO_EID=0 leaves them out).
	scripts/demo_idp_oidc $(PY) scripts/with_saml_test_idp.py $(MANAGE) runserver $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A portal worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A portal beat --loglevel=INFO --schedule=var/celerybeat-schedule

# Tests run with production-like settings (DEBUG off) but plain HTTP.
test: export SECRET_KEY ?= test-secret-key-not-used-in-production-0123456789abcdef
test: export HTTPS ?= 0
test: export TESTING := 1
test: export ALLOWED_HOSTS ?= localhost,127.0.0.1,testserver
test: export PASSWORD_HASHERS := django.contrib.auth.hashers.MD5PasswordHasher
# The raw HTML of every page the browser tests visit is validated (tests/html_validator.py): never skipped here.
test: export REQUIRE_HTML_VALIDATOR := 1
# The suite runs in TEST_PROCESSES processes (pytest-xdist; each with its own test database and Redis database,
# portal/settings.py), a test file's tests together in one process.
TEST_PROCESSES ?= 2
test: install-test messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

# Fault tests (not part of `make test`): their own PostgreSQL cluster (initdb, a free port) and redis-server
# (port 6390), gunicorn and Celery workers; Redis stopped, a worker SIGKILLed mid-render, PostgreSQL restarted.
fault-test: export SECRET_KEY ?= test-secret-key-not-used-in-production-0123456789abcdef
fault-test: export PASSWORD_HASHERS := django.contrib.auth.hashers.MD5PasswordHasher
fault-test: install-test messages
	$(VENV)/bin/pytest tests/faults -o addopts="-p no:cacheprovider --strict-markers" -v $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Benchmark (not a test): PostgreSQL and Redis (defaults: the local ones, database portal_bench, Redis db 8),
# seeded once per scale, two gunicorns with production settings (one with PUBLIC_PAGE_CACHE=0), wrk at 16
# connections. Needs wrk (apt-get install wrk). Options (docs/performance.md, "How to measure"):
#   BENCH_SCALES=1,5       the scales to run, each in its own database (scale 5: BENCH_DATABASE_URL_5, default
#                          portal_bench_scale5), and the scale-5/scale-1 comparison
#   BENCH_ONLY=uncached,mixed   only these groups: public, signed-in, company, uncached, mixed, in-process
#   BENCH_DURATION=10s     wrk's measured time per row (BENCH_WARM_UP=2s before it); BENCH_PORT: the first of two
#                          ports for the servers (default: free ones)
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/8
BENCH_SCALES ?= 1
BENCH_ONLY ?=
bench: export SECRET_KEY ?= bench-secret-key-0123456789abcdef0123456789abcdef
bench: install-test
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) BENCH_SCALES=$(BENCH_SCALES) \
		BENCH_ONLY=$(BENCH_ONLY) $(PY) -m benchmarks.load

bench-pdf: export SECRET_KEY ?= bench-secret-key-0123456789abcdef0123456789abcdef
bench-pdf: export HTTPS ?= 0
bench-pdf: install-test messages
	$(PY) -m benchmarks.pdf

# Two web nodes, two Celery workers and beat on this machine with production settings, sharing PostgreSQL
# (database portal_cluster, created and migrated), Redis db 13 and var/cluster/private (scripts/cluster.py).
CLUSTER_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_cluster
CLUSTER_REDIS_URL ?= redis://127.0.0.1:6379/13
cluster cluster-test: export SECRET_KEY ?= cluster-secret-key-local-only-0123456789abcdefghijklmnopqrstuvwxyz
cluster: install messages
	CLUSTER_DATABASE_URL=$(CLUSTER_DATABASE_URL) CLUSTER_REDIS_URL=$(CLUSTER_REDIS_URL) $(PY) scripts/cluster.py run

cluster-test: install messages
	CLUSTER_DATABASE_URL=$(CLUSTER_DATABASE_URL) CLUSTER_REDIS_URL=$(CLUSTER_REDIS_URL) $(PY) scripts/cluster.py test

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3 var/private var/static var/cluster
