# `make run` and `make test` work on a fresh machine: they create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test test-postgres lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml tests/js/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres,redis,test]'
	@# Thunderbird's calendar parser, which the tests run over every feed (needs node and npm).
	if command -v npm >/dev/null; then npm ci --prefix tests/js --silent --no-audit --no-fund; \
	else echo "npm not found: the calendar tests that use ical.js will fail"; fi
	touch $@

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	MAIL_SEND_IMMEDIATELY=$${MAIL_SEND_IMMEDIATELY:-1} $(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

test-postgres: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) test-results .pytest_cache .hypothesis
