# advice_hub. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_URL_TEST ?= redis://127.0.0.1:6379/9
GOVUK := node_modules/govuk-frontend/dist/govuk
STATIC := advice_hub/static

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMPS):
	@mkdir -p $(STAMPS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Two stamps: what running needs (the project and its dependencies) and what the tests, lint
# and benchmarks add (pyproject's `dev` group). `make run` installs only the first, so
# `make test` after `make run` still installs the second.
$(STAMPS)/python: pyproject.toml | $(BIN)/python $(STAMPS)
	$(BIN)/pip install --quiet -e .
	@touch $@

$(STAMPS)/dev: pyproject.toml $(STAMPS)/python
	$(BIN)/pip install --quiet --group dev
	@touch $@

.PHONY: install
install: $(STAMPS)/dev assets ## Install Python packages (test and lint tools too) and build the front-end assets

$(STAMPS)/npm: package.json package-lock.json | $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: assets
assets: $(STATIC)/app.css $(STATIC)/govuk/govuk-frontend.min.js ## Build the pinned GOV.UK Frontend assets

$(STATIC)/app.css: assets/app.scss $(STAMPS)/npm
	npx sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps $< $@

$(STATIC)/govuk/govuk-frontend.min.js: $(STAMPS)/npm
	rm -rf $(STATIC)/govuk && mkdir -p $(STATIC)/govuk
	cp $(GOVUK)/govuk-frontend.min.js $(STATIC)/govuk/
	cp -r $(GOVUK)/assets $(STATIC)/govuk/assets
	rm -rf $(STATIC)/govuk/assets/fonts  # the council service uses Arial, not GDS Transport

.PHONY: run
run: $(STAMPS)/python assets documents ## Serve the whole service on http://127.0.0.1:$(PORT) (SQLite, in-process worker, mail to files)
	$(BIN)/advice-hub db upgrade
	$(BIN)/advice-hub seed
	PORT=$(PORT) $(BIN)/advice-hub serve --port $(PORT)

/usr/bin/chromium:
	@command -v apt-get >/dev/null || { echo "Debian's chromium is needed for the browser tests"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The section K appendix: WeasyPrint lays it out with Pango, in Liberation Sans (Arial's metric
# twin) with Noto Color Emoji for emoji; its tests read the PDF back with poppler-utils. Each file
# stands for its package, so apt-get runs only when one is missing.
PANGO_LIB := $(firstword $(wildcard /usr/lib/*/libpangoft2-1.0.so.0) /usr/lib/$(shell uname -m)-linux-gnu/libpangoft2-1.0.so.0)
DOCUMENT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 poppler-utils fonts-liberation fonts-noto-color-emoji
DOCUMENT_FILES := $(PANGO_LIB) /usr/bin/pdftotext \
	/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf \
	/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf

$(DOCUMENT_FILES) &:
	@command -v apt-get >/dev/null || { echo "Debian's $(DOCUMENT_PACKAGES) are needed for the PDF appendix"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DOCUMENT_PACKAGES) >/dev/null

.PHONY: documents
documents: $(DOCUMENT_FILES) ## Install what the PDF appendix and its tests need (Pango, fonts, poppler-utils)

.PHONY: services
services: ## Find or start PostgreSQL and Redis for the tests
	@bash .ci/services

.PHONY: test
test: install /usr/bin/chromium documents services ## Install what the tests need and run the whole suite
	TEST_DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(REDIS_URL_TEST) $(BIN)/pytest

.PHONY: lint
lint: $(STAMPS)/dev ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

.PHONY: bench
bench: install services ## Benchmarks, reporting ratios measured side by side
	TEST_DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(REDIS_URL_TEST) $(BIN)/python -m bench

.PHONY: clean
clean: ## Remove the virtualenv, node modules, built assets and the embedded database
	rm -rf $(VENV) node_modules $(STAMPS) $(STATIC)/govuk $(STATIC)/app.css instance
