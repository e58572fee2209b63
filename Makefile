# Beatlog — `make run` serves the demo on SQLite, `make test` runs every test, `make lint` lints and type-checks.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1
EXTRAS ?= server,mobile,dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

export FLASK_APP := server
SHELL := /bin/bash

.PHONY: run test test-clock lint env db bench bench-weak-link bench-peers bench-handheld-ui bench-dashboard clean app translations

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

# The suite runs in TEST_WORKERS pytest-xdist processes (most tests wait on servers, Xvfb, Chromium
# or PostgreSQL, so three keep a 2-core machine busy; docs/architecture.md has the measurements).
# --dist loadfile keeps each test file in one worker, so a module's server and browser start once.
# Each worker has its own PostgreSQL database, Xvfb and temporary folder (tests/conftest.py).
# PYTEST_ARGS adds to the first command line and wins over it: `make test PYTEST_ARGS="-n 0 tests/sync"`
# runs those tests in one process; `make test TEST_WORKERS=0` runs all in one, as before xdist.
TEST_WORKERS ?= 3
TEST_DIST ?= loadfile
XDIST = -n $(TEST_WORKERS) --dist $(TEST_DIST)
test: env
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-clock

# The tests that read "today" again with the test clock a year ahead and a year back (on
# SQLite): no test may depend on a particular date.
DATED_TESTS ?= tests/server/dashboard tests/server/test_demo.py tests/server/test_review.py tests/sync \
	tests/mobile/test_forms.py tests/mobile/test_services.py tests/mobile/test_store.py
test-clock: env
	for shift in 366 -366; do \
		BEATLOG_TEST_CLOCK_SHIFT_DAYS=$$shift $(BIN)/python -m pytest -q -p no:cacheprovider -k "not postgresql" \
			$(XDIST) $(DATED_TESTS) || exit 1; \
	done

# Ruff over the whole tree and mypy over sync/, server/ and mobile/ (both configured in pyproject.toml).
lint: env
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every figure of the README's performance section but the peers' (`make bench-peers`): the
# handheld core, sync through the endpoint, a first sync on a weak link, the app in its window, the
# dashboard at a million logs. Each writes its JSON into bench/results/; a failing bench fails make.
bench: env
	mkdir -p bench/results
	set -o pipefail; $(BIN)/python -m bench.handheld_bench | tee bench/results/handheld.json
	set -o pipefail; $(BIN)/python -m bench.sync_bench $(BENCH_ARGS) | tee bench/results/sync.json
	$(MAKE) --no-print-directory bench-weak-link bench-handheld-ui bench-dashboard

# A new phone's first sync of 5,000 records over 1 Mbit/s and 300 ms round trips, with and without
# gzip (bench/weak_link_bench.py; about 100 s, on SQLite, no root needed).
bench-weak-link: env
	mkdir -p bench/results
	set -o pipefail; $(BIN)/python -m bench.weak_link_bench $(WEAK_LINK_ARGS) | tee bench/results/weak_link.json

# Beatlog next to PouchDB-server and Kinto (bench/peers_bench.py): it installs them once into
# bench/.peers/ (npm and a virtualenv; needs node and npm) and uses the PostgreSQL of
# BENCH_DATABASE_URL or TEST_DATABASE_URL. Not part of `make env` or CI.
bench-peers: env
	mkdir -p bench/results
	set -o pipefail; $(BIN)/python -m bench.peers_bench $(PEERS_BENCH_ARGS) | tee bench/results/peers.json

# The app in a real window (Xvfb when DISPLAY is unset) with 10,000 venues: about a minute.
bench-handheld-ui: env
	mkdir -p bench/results
	set -o pipefail; $(BIN)/python -m bench.handheld_ui_bench $(HANDHELD_UI_ARGS) | tee bench/results/handheld_ui.json

# The dashboard's pages at 1,000,000 inspections (DASHBOARD_ARGS="--inspections 200000 --followups 40000" to scale down).
bench-dashboard: env
	mkdir -p bench/results
	set -o pipefail; $(BIN)/python -m bench.dashboard_bench $(DASHBOARD_ARGS) | tee bench/results/dashboard.json

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache bench/.peers

# The handheld app on this desktop, against the server `make run` serves.
app: env
	$(BIN)/python -m mobile.ui --server http://$(HOST):$(PORT)

# Re-extract the words of the handheld and of the dashboard, merge them into their zh and en
# catalogs, compile them.
LOCALE := mobile/ui/locale
DASHBOARD_LOCALE := server/dashboard/translations
translations: env
	$(BIN)/pybabel extract -F mobile/ui/babel.cfg -k n_:1,2 --no-location --sort-output --omit-header \
		-o $(LOCALE)/beatlog.pot .
	$(BIN)/pybabel update -i $(LOCALE)/beatlog.pot -d $(LOCALE) -D beatlog --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE) -D beatlog --statistics
	$(BIN)/pybabel extract -F server/dashboard/babel.cfg --no-location --sort-output --omit-header \
		-o $(DASHBOARD_LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(DASHBOARD_LOCALE)/messages.pot -d $(DASHBOARD_LOCALE) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(DASHBOARD_LOCALE) --statistics
