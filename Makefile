# make demo   : sync every stream of the bundled emulator afresh into ./snipeit.duckdb, build the models and the report
# make sync   : the daily job: sync an instance (CONFIG=path/to/config.json) into the existing $(DUCKDB): incremental
#               from the state kept in the file, only STREAMS=a,b if given (the other tables stay), FULL_REFRESH=1 to
#               read the chosen streams from scratch; then the models and the report
# make models : build the dbt models + tests on an existing $(DUCKDB), check freshness and write the report $(REPORT)
# make test   : the whole test suite (what CI runs)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?=
STREAMS ?=
FULL_REFRESH ?=
CURRENCY ?=
DUCKDB ?= snipeit.duckdb
REPORT ?= snipeit-report.html
AS_OF ?=
MODELS := $(BIN)/python analytics/run.py --duckdb $(DUCKDB) --report $(REPORT) $(if $(AS_OF),--as-of $(AS_OF),) \
	$(if $(CURRENCY),--default-currency $(CURRENCY),)
SYNC_OPTIONS := $(if $(STREAMS),--streams $(STREAMS),) $(if $(filter-out 0,$(FULL_REFRESH)),--full-refresh,)

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

# the emulator is a new instance on every run: its streams are read afresh
demo: install
	$(BIN)/python scripts/local_sync.py --duckdb $(DUCKDB) $(if $(CONFIG),--config $(CONFIG),--full-refresh) $(SYNC_OPTIONS)
	$(MODELS)

sync: install
	@test -n "$(CONFIG)" || (echo "usage: make sync CONFIG=secrets/config.json [STREAMS=a,b] [FULL_REFRESH=1]" && exit 2)
	$(BIN)/python scripts/local_sync.py --duckdb $(DUCKDB) --config $(CONFIG) $(SYNC_OPTIONS)
	$(MODELS)

models: install
	$(MODELS)

bench: install
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DUCKDB) .$(DUCKDB).lock .airbyte-cache $(REPORT) analytics/target analytics/logs
