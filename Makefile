# The two commands a fresh machine needs: `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: help install run test test-pgbouncer e2e lint format requirements worker flower bench bench-smoke bench-floor faults faults-smoke abuse abuse-smoke

help:
	@echo "make run    run the service (embedded, or on PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)"
	@echo "make test   lint, then the test suite on the local PostgreSQL and Redis"
	@echo "make e2e    the real stack, then the Postman collection (Newman) and Schemathesis"
	@echo "make worker a Celery worker; make flower: Flower, the Celery monitor, on 127.0.0.1:5555"

# The virtualenv, rebuilt when the pins change.
$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	scripts/run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

test: lint
	$(BIN)/pytest

# The API tests once more, every connection to the test database through a PgBouncer of their
# own in transaction pooling mode (DATABASE_POOLER=pgbouncer; Debian's pgbouncer package).
PGBOUNCER_TESTS := accounts/tests/test_api_login.py accounts/tests/test_api_tokens.py \
	invites/tests/test_api.py invites/tests/test_concurrency.py \
	sms/tests/test_api_inbox.py sms/tests/test_callbacks.py sms/tests/test_delivery.py
test-pgbouncer: install
	$(BIN)/pytest --pgbouncer -m "not browser" $(PGBOUNCER_TESTS)

# The real stack (gunicorn + Celery worker, databases of its own), the Postman collection with
# Newman, then Schemathesis against /api/schema.json. Needs Node.js/npm for Newman.
e2e: install
	PYTHONPATH=. $(BIN)/python scripts/e2e.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks of the real stack (wrk from Debian's packages); bench/__main__.py says what it measures.
bench: install
	$(BIN)/python -m bench

bench-smoke: install
	$(BIN)/python -m bench --smoke
	$(BIN)/python -m bench.floor --smoke

# What send-code's and verify-code's ratios to /healthz are made of: the service's views next
# to plain Django views doing all or part of them (bench/floor.py).
bench-floor: install
	$(BIN)/python -m bench.floor

# Fault drills (drills/) on PostgreSQL and Redis servers of their own, with a table of what
# was lost at the end.
faults: install
	$(BIN)/pytest -m drill

faults-smoke: install
	$(BIN)/pytest -m drill --smoke

# An attacker (SMS pumping, a bomber, a guesser) against a stack of its own, while people log
# in: what got through next to the caps the settings allow.
abuse: install
	$(BIN)/pytest -m abuse

abuse-smoke: install
	$(BIN)/pytest -m abuse --smoke

worker: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-project.settings.local} $(BIN)/celery -A worker worker --loglevel INFO

# Flower on the broker the settings name; FLOWER_BASIC_AUTH=user:password turns on basic auth.
flower: install
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-project.settings.local} $(BIN)/celery -A worker flower --address=$${FLOWER_ADDRESS:-127.0.0.1} --port=$${FLOWER_PORT:-5555}

# Re-pin requirements/*.txt from requirements/*.in.
requirements: install
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links base.in -o base.txt
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links dev.in -o dev.txt
