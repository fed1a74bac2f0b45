# Two commands for a newcomer: `make demo` and `make test`. Everything else they need is
# installed here: the virtual environment, the project, Meltano and its plugins, PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench lint docs postgres clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]' 'meltano~=4.4.1'
	touch $@

.meltano/.installed: meltano.yml $(BIN)/.installed
	$(BIN)/meltano install --plugin-type extractor
	$(BIN)/meltano install --plugin-type loader target-postgres target-duckdb
	mkdir -p .meltano && touch $@

## demo: emulators → taps → Meltano → DuckDB, then a table of rows loaded per stream
demo: .meltano/.installed
	$(BIN)/python scripts/demo.py

## test: the whole suite, with a real PostgreSQL started by the tests
test: .meltano/.installed postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: requests, rate-limit wall time, records/s and memory of the taps, as one table
bench: .meltano/.installed postgres
	$(BIN)/python scripts/bench.py

postgres:
	bash scripts/ensure_postgres.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## docs: regenerate the README settings tables from each tap's --about
docs: $(BIN)/.installed
	$(BIN)/python scripts/docs.py readme

clean:
	rm -rf $(VENV) .meltano output
