# Two commands for a newcomer: `make demo` and `make test`. Everything else they need is
# installed here: the virtual environment, the project, Meltano and its plugins, PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench lint lock docs new-tap release local-plugins postgres chromium clean orchestrate

# The locked versions (requirements-dev.lock, from PyPI), then the project itself, editable;
# a .pth file puts the repository root on the venv's path, so the development packages that
# never ship in the wheel (`emulators`, `tests`) import normally from scripts too. The taps'
# modules are compiled once, as pip compiles an installed wheel: an editable install is not,
# and with PYTHONDONTWRITEBYTECODE set every tap start compiled them again. The taps are
# those of [project.scripts] (scripts/registry.py).
$(BIN)/.installed: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/python -m compileall -q tapkit $(shell $(PYTHON) scripts/registry.py packages)
	$(BIN)/python -c 'import pathlib, sysconfig; \
	  pathlib.Path(sysconfig.get_path("purelib"), "chat_taps_dev.pth").write_text("$(CURDIR)\n")'
	touch $@

## lock: re-resolve requirements-dev.lock from pyproject.toml and requirements-dev.in
lock: $(BIN)/.installed
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml requirements-dev.in --extra dev --universal \
	  --python-version 3.11 --index-url https://pypi.org/simple --no-header \
	  -o requirements-dev.lock
	$(BIN)/uv pip compile pyproject.toml --extra orchestrate --universal \
	  --python-version 3.11 --index-url https://pypi.org/simple --no-header \
	  -o requirements-orchestrate.lock

# The Dagster code location's own environment (docs/scale.md): the taps, Dagster, dbt.
.venv-orchestrate/bin/.installed: pyproject.toml requirements-orchestrate.lock
	$(PYTHON) -m venv .venv-orchestrate
	.venv-orchestrate/bin/pip install -q --upgrade pip
	.venv-orchestrate/bin/pip install -q -r requirements-orchestrate.lock
	.venv-orchestrate/bin/pip install -q --no-deps -e .
	.venv-orchestrate/bin/python -c 'import pathlib, sysconfig; \
	  pathlib.Path(sysconfig.get_path("purelib"), "chat_taps_dev.pth").write_text("$(CURDIR)\n")'
	touch $@

## orchestrate: the Dagster UI on http://127.0.0.1:3000 over the demo (emulators, DuckDB)
orchestrate: .meltano/.installed .venv-orchestrate/bin/.installed
	$(BIN)/python scripts/orchestrate_demo.py

# UV_COMPILE_BYTECODE: Meltano installs the plugins with uv, which writes no bytecode; where
# Python may not write it either (PYTHONDONTWRITEBYTECODE=1, as in many container images, or
# a read-only venv) every dbt, tap or loader run would compile its modules again: 3-4 s of
# each dbt run (docs/incremental.md, "Where a daily run's time goes"), tap-cobrowser --about
# 1.4 s instead of 0.65 s, target-postgres about 1.5 s (BENCHMARKS.md, docs/operating.md)
.meltano/.installed: export UV_COMPILE_BYTECODE = 1
.meltano/.installed: meltano.yml $(BIN)/.installed $(wildcard loaders/*/pyproject.toml loaders/*/*.py)
	$(BIN)/meltano install --plugin-type extractor
	$(BIN)/meltano install --plugin-type loader target-postgres target-duckdb target-snowflake--emulated
	$(BIN)/meltano install --plugin-type utility
	mkdir -p .meltano && touch $@

## demo: emulators → taps → Meltano → DuckDB → dbt, then rows per stream, a marts table and
## output/report.html
demo: .meltano/.installed
	$(BIN)/python scripts/demo.py

## test: lint and type check, then the whole suite, with a real PostgreSQL started by the
## tests and Chromium for the report; on PYTEST_WORKERS pytest-xdist workers (0: in this
## process), the modules of tests/conftest.py's XDIST_GROUPS each kept on one worker
PYTEST_WORKERS ?= 3
test: lint .meltano/.installed postgres chromium .venv-orchestrate/bin/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## bench: requests, rate-limit wall time, records/s and memory of the taps, as one table
bench: .meltano/.installed postgres
	$(BIN)/python scripts/bench.py

postgres:
	bash scripts/ensure_postgres.sh

chromium:
	bash scripts/ensure_chromium.sh

## lint: ruff (rules and format) and mypy --strict over tapkit/ and the taps
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## docs: regenerate, from each tap's --about, the extractors of meltano.yml, the plugin
## definitions in plugins/extractors/, the settings tables of docs/settings.md and the
## README's install lines
docs: $(BIN)/.installed
	$(BIN)/python scripts/docs.py write

## new-tap: NAME=acme writes tap_acme/, its emulator and its test case, registered and
## installed; they pass `make lint` and the contract suite as written (what is left to do:
## docs/ARCHITECTURE.md, "A sixth vendor: checklist")
new-tap: $(BIN)/.installed
	@test -n "$(NAME)" || { echo "usage: make new-tap NAME=acme"; exit 1; }
	$(BIN)/python scripts/new_tap.py $(NAME)
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/python -m compileall -q tap_$(NAME)
	touch $(BIN)/.installed

## release: VERSION=X.Y.Z: CHANGELOG, plugin definitions and install lines, a commit, the tag
## vX.Y.Z, and the checked sdist, wheel and plugin definitions in dist/ (scripts/release.py)
release: $(BIN)/.installed
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=X.Y.Z"; exit 2; }
	$(BIN)/python scripts/release.py $(VERSION)

## local-plugins: plugin definitions that install the taps and the loaders (DuckDB, PostgreSQL)
## from this clone, in dist/local-plugins/ (for `meltano add --from-ref` before a release is published);
## the standard library only, so it needs no virtual environment
local-plugins:
	$(PYTHON) scripts/local_plugins.py

clean:
	rm -rf $(VENV) .meltano output dist
