# Trellis: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck bench worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## setup: virtual environment, dependencies, database migrations (idempotent)
setup: $(STAMP)
	$(FLASK) db upgrade

## run: set up, seed demo data into an empty database, start the worker and serve on $(PORT)
run: setup
	$(FLASK) seed-demo --if-empty
	PORT=$(PORT) ./scripts/serve.sh

## test: set up and run the whole suite (PostgreSQL too when TEST_DATABASE_URL is set)
test: $(STAMP)
	$(BIN)/pytest -n auto --durations=20

## lint: ruff, and mypy on app billing pathways reports (strict on billing; see pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## typecheck: mypy alone (also part of `lint`)
typecheck: $(STAMP)
	$(BIN)/mypy

bench: setup
	$(BIN)/python scripts/bench.py

worker: setup
	$(BIN)/huey_consumer app.worker.huey --workers 2

clean:
	rm -rf $(VENV) instance .pytest_cache
