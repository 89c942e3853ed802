# The README's two commands are `make run` and `make test`; everything else is a helper.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test setup venv browser system-deps lint typecheck bench bench-deps serve-prod clean db

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## Debian's chromium for the Playwright tests (never a downloaded browser).
browser:
	@bash scripts/install-chromium.sh

## Debian's graphviz, WeasyPrint's libraries, fonts and poppler-utils for the readout.
system-deps:
	@bash scripts/install-system-deps.sh

## Migrate the database, load forms/ and rules/, create the demo users (idempotent).
setup: venv system-deps
	$(BIN)/recommender setup

run: setup
	$(BIN)/recommender run --host $(HOST) --port $(PORT)

## Production-style serving: gunicorn with several workers and, with REDIS_URL set, a
## `recommender worker` for the background jobs (stopped with gunicorn; without REDIS_URL
## the jobs run inside the web workers). Several machines: docs/operations.md.
serve-prod: setup
	@worker=; if [ -n "$$REDIS_URL" ]; then \
	  $(BIN)/recommender worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	else echo "REDIS_URL is not set: background jobs run inside the web workers"; fi; \
	$(BIN)/gunicorn --workers 3 --bind $(HOST):$(PORT) 'recommender:create_app()'

test: venv browser system-deps
	@bash scripts/run-tests.sh $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check recommender tests bench
	$(BIN)/mypy
	$(PY) scripts/audit_deps.py

## The peers bench/peers.py compares the engine with (zen-engine, clipspy): bench only.
bench-deps: venv
	$(PY) -m pip install --quiet -e '.[bench]'

## Benchmarks (not tests): figures are recorded in docs/performance.md.
bench: venv system-deps bench-deps
	$(PY) -m bench.engine
	$(PY) -m bench.peers
	$(PY) -m bench.impact
	$(PY) -m bench.impact_queue --discoveries 20000
	$(PY) bench/preview.py
	$(PY) -m bench.panel
	$(PY) -m bench.copilot
	$(PY) bench/readout.py
	$(PY) -m bench.load
	$(PY) -m bench.loading

clean:
	rm -rf $(VENV) instance .pytest_cache
