# `make run` and `make test` work on a fresh machine: they create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install system-packages run test test-postgres lint bench clean

install: system-packages $(VENV)/.installed

# libical (the calendar library behind Evolution), one of the readers the tests run over every
# .ics we write. It is not on PyPI: Debian's python3-gi and gir1.2-ical-3.0, for the system
# Python. Installed here where missing (as root, with apt-get); otherwise say what to install.
LIBICAL_PROBE := import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib
system-packages:
	@if ! /usr/bin/python3 -c '$(LIBICAL_PROBE)' 2>/dev/null; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "installing libical for the calendar tests: python3-gi gir1.2-ical-3.0"; \
			apt-get update -qq && apt-get install -y -qq python3-gi gir1.2-ical-3.0 >/dev/null; \
		else \
			echo "libical missing: apt-get install python3-gi gir1.2-ical-3.0 (the calendar reader tests will fail)"; \
		fi; \
	fi

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
	@# Links in feeds, the API and e-mails name the address served here (see SITE_URL).
	HOST=$(HOST) PORT=$(PORT) MAIL_SEND_IMMEDIATELY=$${MAIL_SEND_IMMEDIATELY:-1} \
		$(FLASK) run --host $(HOST) --port $(PORT)

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

# nginx + two gunicorn instances + PostgreSQL + Redis, as the README deploys them (deploy/).
deploy-check: install
	$(BIN)/python deploy/check.py
