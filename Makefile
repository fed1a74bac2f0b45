# Two commands for a newcomer: `make demo` and `make test`. Everything else they need is
# installed here: the virtual environment, the project, Meltano and its plugins, PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench lint docs postgres chromium clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]' 'meltano~=4.4.1'
	touch $@

.meltano/.installed: meltano.yml $(BIN)/.installed $(wildcard loaders/*/pyproject.toml loaders/*/*.py)
	$(BIN)/meltano install --plugin-type extractor
	$(BIN)/meltano install --plugin-type loader target-postgres target-duckdb target-snowflake--emulated
	$(BIN)/meltano install --plugin-type utility
	mkdir -p .meltano && touch $@

## demo: emulators → taps → Meltano → DuckDB → dbt, then rows per stream, a marts table and
## output/report.html
demo: .meltano/.installed
	$(BIN)/python scripts/demo.py

## test: the whole suite, with a real PostgreSQL started by the tests and Chromium for the report
test: .meltano/.installed postgres chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: requests, rate-limit wall time, records/s and memory of the taps, as one table
bench: .meltano/.installed postgres
	$(BIN)/python scripts/bench.py

postgres:
	bash scripts/ensure_postgres.sh

chromium:
	bash scripts/ensure_chromium.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## docs: regenerate, from each tap's --about, the extractors of meltano.yml, the plugin
## definitions in plugins/extractors/ and the README's settings tables and install lines
docs: $(BIN)/.installed
	$(BIN)/python scripts/docs.py write

clean:
	rm -rf $(VENV) .meltano output
