# Circles: `make run` to start the app, `make test` to run the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := circles

.PHONY: run serve jobs bench bench-postgres bench-reports bench-write-path bench-binary-reads icons test lint demo install install-dev install-prod migrate translations messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-prod: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e '.[prod]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-prod: $(VENV)/.installed-prod

TRANSLATIONS := circles/translations

# The app reads compiled catalogues (.mo, not kept in git), made here from the .po files.
translations: install
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

migrate: install translations
	$(BIN)/flask db upgrade

# After changing texts: extract them, then bring the German and Spanish catalogues up to date
# (new texts arrive empty, for a translator; texts no longer used go). docs/operations.md,
# "Languages", tells how to add a language.
messages: install-dev
	$(BIN)/pybabel -q extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_gettext \
		-k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 --add-location file --sort-by-file \
		--project Circles --copyright-holder "Circles" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
		--no-fuzzy-matching --ignore-obsolete

# Links in mail and invitations point where `make run` serves (unless CIRCLES_BASE_URL is set).
run serve jobs: export CIRCLES_BASE_URL ?= http://$(HOST):$(PORT)

# The app and, beside it, the job consumer (mail, reminders, purge); both stop together.
run: migrate
	$(BIN)/flask jobs & jobs=$$!; trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# The production server: gunicorn with one gevent worker per process (WebSocket via
# simple-websocket), and the job consumer beside it. Run more processes behind nginx with
# CIRCLES_REDIS_URL set (the jobs then queue in Redis); see docs/operations.md, "Jobs".
serve: install-prod migrate
	$(BIN)/flask jobs & jobs=$$!; trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	CIRCLES_ASYNC_MODE=gevent $(BIN)/gunicorn -k gevent -w 1 --worker-connections 10000 \
		-b $(HOST):$(PORT) circles.wsgi:app

# The job consumer alone (mail, reminders, purge, check-in release), e.g. as its own service.
jobs: migrate
	$(BIN)/flask jobs

# Not part of the test suite: the live-room benchmark (see docs/benchmarks.md).
# BENCH_REDIS_URL=redis://... adds the two-process run.
bench: install-dev install-prod
	$(BIN)/python bench/live_bench.py $(BENCH_ARGS)

# The same with the app on PostgreSQL, its CPU counted too: BENCH_DATABASE_URL names a fresh,
# empty database of your own (postgresql+psycopg://user@host:5432/bench_live).
bench-postgres: install-dev install-prod
	$(BIN)/python bench/live_bench.py --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

# The check-in reporting benchmark; BENCH_DATABASE_URL=postgresql+psycopg://... for PostgreSQL.
bench-reports: install-dev
	$(BIN)/python bench/report_bench.py

# What sealing anonymous answers and check-ins costs per write (same BENCH_DATABASE_URL).
bench-write-path: install-dev
	$(BIN)/python bench/write_path_bench.py

# Reading a round's sealed answers in text and in binary (PostgreSQL: BENCH_DATABASE_URL).
bench-binary-reads: install-dev
	$(BIN)/python bench/binary_reads.py

# The PNG icons phones need, drawn from the SVGs by Chromium (CIRCLES_BROWSER, default
# /usr/bin/chromium); only after an SVG in static/ or static/icons/ changes.
icons: install-dev
	$(BIN)/python -m circles.grounding.icons

# Sample data to look around in: run it in a second terminal while `make run` serves. Running it
# again changes nothing and prints the logins again.
demo: migrate
	$(BIN)/flask demo

lint: install-dev
	$(BIN)/ruff check circles tests migrations bench
	$(BIN)/ruff format --check circles tests bench migrations/env.py
	$(BIN)/mypy

test: install-dev install-prod lint translations
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
