# make demo   : sync every stream into ./snipeit.duckdb (bundled emulator unless CONFIG=path/to/config.json)
# make models : build the dbt models + tests on an existing $(DUCKDB) and write the report $(REPORT)
# make test   : the whole test suite (what CI runs)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?=
STREAMS ?=
DUCKDB ?= snipeit.duckdb
REPORT ?= snipeit-report.html
AS_OF ?=
MODELS := $(BIN)/python analytics/run.py --duckdb $(DUCKDB) --report $(REPORT) $(if $(AS_OF),--as-of $(AS_OF),)

.PHONY: install test demo sync models bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,local,analytics]"
	touch $@

test: install
	# Two workers, one file per worker (module fixtures run once). The unit tests run first, apart: the in-process
	# entrypoint runs of the integration tests leave the CDK's logging configured for their own output.
	$(BIN)/python -m pytest -q -n 2 --dist loadfile unit_tests snipeit_emulator/tests
	$(BIN)/python -m pytest -q --durations=15 -n 2 --dist loadfile integration_tests

demo: install
	$(BIN)/python scripts/local_sync.py --duckdb $(DUCKDB) $(if $(CONFIG),--config $(CONFIG),) $(if $(STREAMS),--streams $(STREAMS),)
	$(MODELS)

sync: install
	@test -n "$(CONFIG)" || (echo "usage: make sync CONFIG=secrets/config.json" && exit 2)
	$(BIN)/python scripts/local_sync.py --duckdb $(DUCKDB) --config $(CONFIG) $(if $(STREAMS),--streams $(STREAMS),)
	$(MODELS)

models: install
	$(MODELS)

bench: install
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DUCKDB) .airbyte-cache $(REPORT) analytics/target analytics/logs
