# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py
# Where `make run` serves (`make run PORT=8080`, `make run HOST=0.0.0.0`); receipts, SMS and QR codes name it too.
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run reset screenshots test test-sqlite test-postgres translations compile-translations bench audit clean

$(BIN)/activate: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(BIN)/activate

compile-translations: $(BIN)/activate
	$(BIN)/pybabel -q compile -d translations

## make run: install, migrate, load reference and demo data (empty database only), start the job worker, serve on HOST:PORT
run: export PUBLIC_URL ?= http://$(HOST):$(PORT)
run: compile-translations
	$(BIN)/flask db upgrade
	$(BIN)/flask reference load
	$(BIN)/flask demo load
	$(BIN)/flask demo logins
	@echo "\nBastau is at http://$(HOST):$(PORT) (Ctrl+C stops it and the job worker)\n"
	@# The job worker moves the programme's calendar (training starts and ends, reminders) with nobody opening a page.
	@$(BIN)/flask worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host $(HOST) --port $(PORT)

# axe-core (npm) for the accessibility tests; without npm they are skipped with a loud message.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --silent || echo "!! npm ci failed: the accessibility tests will be skipped"

## make test: the whole suite on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set
# The two runs go side by side, one core each: each is a single process, so together they take the time of the
# longer one. The PostgreSQL run's output is kept in a file and printed after the SQLite run's.
test: compile-translations node_modules/.package-lock.json
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/python -m pytest -q; fi; \
	  echo "== on SQLite, and beside it on PostgreSQL: $$TEST_DATABASE_URL (output after SQLite's)"; \
	  BASTAU_TEST_DB=postgresql $(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser" \
	    > .pytest-postgresql.log 2>&1 & postgres=$$!; \
	  $(BIN)/python -m pytest -q; sqlite_status=$$?; \
	  wait $$postgres; postgres_status=$$?; \
	  echo "== on PostgreSQL: $$TEST_DATABASE_URL"; cat .pytest-postgresql.log; \
	  echo "== SQLite: exit $$sqlite_status, PostgreSQL: exit $$postgres_status"; \
	  [ $$sqlite_status -eq 0 ] && [ $$postgres_status -eq 0 ]

## make translations: extract messages, update the catalogues, compile them
translations: $(BIN)/activate
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel -q update -N --ignore-obsolete -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d translations

## make bench: page weights, 3G browser timings, load on gunicorn, SMS throughput, a calendar run at 500,000 applications (SQLite and PostgreSQL) -> bench/report.md
bench: compile-translations
	$(BIN)/python bench/run.py

## make audit: known vulnerabilities in the pinned requirements (needs PyPI's or OSV's vulnerability API)
audit: $(BIN)/activate
	$(BIN)/pip install --quiet pip-audit==2.10.1
	$(BIN)/pip-audit --strict -r requirements.txt

## make reset: empty instance/ (database, job queue, uploaded plans) but keep instance/secret_key; the next
## `make run` loads a fresh demo. Refused while something still has a file of instance/ open (stop `make run` first),
## and when DATABASE_URL or PLAN_STORAGE point elsewhere (nothing outside instance/ is touched).
reset:
	@if [ -n "$$DATABASE_URL$$PLAN_STORAGE$$JOBS_SQLITE_PATH" ]; then \
	  echo "make reset empties only instance/; DATABASE_URL, PLAN_STORAGE or JOBS_SQLITE_PATH is set: nothing done"; exit 1; fi
	@if ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q -- "-> $(CURDIR)/instance/"; then \
	  echo "Something still has instance/ open (make run? a worker?): stop it first (Ctrl+C); nothing done"; exit 1; fi
	@mkdir -p instance
	find instance -mindepth 1 -maxdepth 1 ! -name secret_key -exec rm -rf {} +
	@echo "instance/ emptied (secret_key kept): the next make run loads a fresh demo"

## make screenshots: the README's pictures (docs/screenshots/) from a fresh demo in a temporary directory
screenshots: compile-translations
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
