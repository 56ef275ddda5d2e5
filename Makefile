# Lotse: `make run` starts everything, `make test` checks everything. `make help` lists the rest.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Python 3.10 (Rasa 3.6 needs < 3.11): pyenv's 3.10.x first, else python3.10 on PATH.
PYTHON310 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))
RASA_DATA := --config config.yml --domain bot/domain --data bot/data
MODEL := models/lotse.tar.gz
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help install run test lint format unit audit validate train test-stories e2e scale record-stories nlu-report bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install it (pyenv install 3.10.13) or set PYTHON310=/path/to/python3.10"; exit 1; }
	$(PYTHON310) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip<25"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m pip check
	touch $@

install: $(STAMP) ## create .venv with Python 3.10 and install the pinned set

run: install ## train if needed, start Rasa + action server + web app (Ctrl-C stops all)
	$(BIN)/lotse run

test: install lint unit audit validate train test-stories e2e scale ## everything CI runs
	@echo "All checks passed."

lint: install ## ruff: lint and format check
	$(BIN)/ruff check lotse bot tests scripts
	$(BIN)/ruff format --check lotse bot tests scripts

format: install ## ruff: fix and format
	$(BIN)/ruff check --fix lotse bot tests scripts
	$(BIN)/ruff format lotse bot tests scripts

unit: install $(CHROMIUM) ## pytest without the end-to-end and scale-out tests (incl. the workspace in Chromium)
	$(BIN)/pytest -m "not e2e and not scale" -q

validate: install ## rasa data validate (warnings fail)
	$(BIN)/rasa data validate $(RASA_DATA) --max-history 5 --fail-on-warnings

train: install ## train the model if config, domain or data changed
	$(BIN)/lotse train

test-stories: train ## Rasa test stories in every language (prediction errors fail; actions are not run)
	$(BIN)/rasa test core --model $(MODEL) --stories tests/conversations \
		--out var/test-results --fail-on-prediction-errors

$(CHROMIUM):
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium

e2e: train $(CHROMIUM) ## the three real processes through /api/chat; the widget in headless Chromium
	$(BIN)/pytest -m e2e -q

# Debian's PostgreSQL and Redis for the scale-out tests (they start their own on loopback).
SCALE_SERVERS := /usr/bin/redis-server /usr/bin/pg_ctlcluster

$(SCALE_SERVERS):
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql redis-server

# The unit tests start a redis-server too (shared rate limits: tests/web/test_ratelimit_redis.py).
unit: /usr/bin/redis-server

scale: train $(SCALE_SERVERS) ## PostgreSQL, Redis, two Rasa replicas: a conversation, then kill -9 faults
	$(BIN)/pytest -m scale -q

# pip-audit needs packaging>=23, which Rasa's pins exclude: it gets its own virtual environment.
AUDIT_VENV := .venv-audit
# pip-audit's vulnerability data: PyPI's per-release JSON API.
AUDIT_PROBE := https://pypi.org/pypi/pip/24.0/json
# Known vulnerabilities that cannot be fixed within Rasa's pins, with the reason: pip-audit-ignore.txt.
AUDIT_IGNORE := $(shell sed -n 's/^\([A-Z][A-Z0-9]*-[^ #]*\).*/--ignore-vuln \1/p' pip-audit-ignore.txt)

$(AUDIT_VENV)/bin/pip-audit:
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found (see install)"; exit 1; }
	$(PYTHON310) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet "pip-audit==2.10.1"

audit: $(AUDIT_VENV)/bin/pip-audit ## pip-audit of every pinned package (constraints.txt)
	@if $(AUDIT_VENV)/bin/python -c "import urllib.request as u; u.urlopen('$(AUDIT_PROBE)', timeout=20)" 2>/dev/null; then \
		$(AUDIT_VENV)/bin/pip-audit -r constraints.txt --no-deps --disable-pip --strict \
			--progress-spinner off $(AUDIT_IGNORE); \
	elif [ -n "$(AUDIT_STRICT)" ]; then \
		echo "audit: PyPI's vulnerability data is unreachable ($(AUDIT_PROBE))"; exit 1; \
	else \
		echo "audit: SKIPPED - PyPI's vulnerability data is unreachable from this machine" \
			"($(AUDIT_PROBE)); AUDIT_STRICT=1 makes this an error"; \
	fi

record-stories: train ## replay tests/data/conversations.yaml, rewrite tests/conversations/test_guidance_*.yml
	PYTHONPATH=. $(BIN)/python scripts/record_test_stories.py

nlu-report: install ## NLU cross-validation (5 folds, as rasa test nlu), intent macro-F1 per language into reports/ (~40 min)
	$(BIN)/python scripts/nlu_report.py

bench: install ## matcher benchmark; load benchmark on the trained model into reports/ (~10 min)
	$(BIN)/lotse bench match
	$(BIN)/lotse bench load

clean: ## remove the model, local data and caches (not .venv)
	rm -rf models var/test-results .pytest_cache .ruff_cache
