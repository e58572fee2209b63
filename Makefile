# Beatlog — `make run` serves the demo on SQLite, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
EXTRAS ?= server,mobile,dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

export FLASK_APP := server

.PHONY: run test env db bench clean

env: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

db: env
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty

run: db
	@$(BIN)/flask demo welcome --url http://$(HOST):$(PORT)
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: env
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: env
	mkdir -p bench/results
	$(BIN)/python -m bench.handheld_bench | tee bench/results/handheld.json
	$(BIN)/python -m bench.sync_bench $(BENCH_ARGS) | tee bench/results/sync.json

clean:
	rm -rf $(VENV) instance .pytest_cache
