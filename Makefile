# The newcomer's two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres setup install lint format clean

## run: install, migrate, import seeds/ and serve the site at http://$(HOST):$(PORT), with the
## job worker (browser imports) beside it; Ctrl-C stops both
run: setup
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' INT TERM EXIT; \
	$(BIN)/python manage.py run_jobs & worker=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## setup: install, migrate and import seeds/ (with a local admin user)
setup: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

## test: lint, then the whole test suite on SQLite, then again on a throwaway PostgreSQL
## (when PostgreSQL's server binaries are installed; CI requires them)
test: install lint
	$(BIN)/pytest $(PYTEST_ARGS)
	@if scripts/with-postgres.sh true 2>/dev/null; then \
		scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ "$$NEWSROOM_REQUIRE_SERVICES" = 1 ]; then \
		echo "PostgreSQL server binaries are required here (apt-get install postgresql)."; exit 1; \
	else \
		echo "Skipped the PostgreSQL run: no PostgreSQL server binaries (apt-get install postgresql)."; \
	fi

## test-sqlite, test-postgres: the suite on one database only
test-sqlite: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/djhtml --check templates

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Newsroom needs Python 3.11 or newer: set PYTHON=python3.11 (or newer)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create a virtual environment: on Debian or Ubuntu, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache *.egg-info
