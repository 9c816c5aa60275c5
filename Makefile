# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py

.PHONY: run test test-sqlite test-postgres translations compile-translations bench clean

$(BIN)/activate: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(BIN)/activate

compile-translations: $(BIN)/activate
	$(BIN)/pybabel -q compile -d translations

## make run: install, migrate, load reference and demo data (empty database only), serve on :5000
run: compile-translations
	$(BIN)/flask db upgrade
	$(BIN)/flask reference load
	$(BIN)/flask demo load
	$(BIN)/flask demo logins
	@echo "\nBastau is at http://127.0.0.1:5000 (Ctrl+C stops it)\n"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set
test: compile-translations
	$(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
	  BASTAU_TEST_DB=postgresql $(BIN)/python -m pytest -q -m "not browser"; \
	fi

## make translations: extract messages, update the catalogues, compile them
translations: $(BIN)/activate
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel -q update -N --ignore-obsolete -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d translations

bench: compile-translations
	$(BIN)/python bench/page_weight.py

clean:
	rm -rf $(VENV) instance .pytest_cache
