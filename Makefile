# The two commands (see README.md):
#   make run    install everything, migrate, load the demo data, serve on http://127.0.0.1:8000
#   make test   install everything (incl. Debian's Chromium), run all tests on SQLite and PostgreSQL
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
export TEST_POSTGRES_URL

.PHONY: run test install assets browser-deps lint bench clean

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

assets: static/vendor/VERSIONS

static/vendor/VERSIONS: package.json package-lock.json scripts/vendor_assets.sh
	sh scripts/vendor_assets.sh

browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver poppler-utils >/dev/null; \
	fi
	@command -v pdftoppm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null)
	@command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null)  # the Nu HTML checker

run: install
	$(BIN)/socreg db upgrade
	$(BIN)/socreg seed demo
	$(BIN)/socreg serve

test: install browser-deps
	$(BIN)/ruff check registry assessments tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -q -p no:cacheprovider

lint:
	$(BIN)/ruff check registry assessments tests bench
	$(BIN)/ruff format --check registry assessments tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: install
	$(BIN)/python bench/search.py
	$(BIN)/python bench/assessment.py
	$(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) node_modules static/vendor var tests/artifacts
