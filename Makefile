# Everything installs itself, pinned, into .venv and node_modules: a fresh clone needs only
# python3 (3.11+), node/npm and access to PyPI and the npm registry. No AWS account, no docker.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# Two pytest workers (the CI machine has 2 cores); module fixtures stay in one worker.
PYTEST_WORKERS ?= 2

.PHONY: help setup synth test lint format snapshot-update budget gameday clean

help:
	@echo "make synth            install pinned deps, synthesize every environment into cdk.out, summarise"
	@echo "make test             install pinned deps, lint, run the whole test suite"
	@echo "make snapshot-update  refresh the template snapshots after an intended change (review the diff!)"
	@echo "make budget           recovery-time budget of every environment from the synthesized app"
	@echo "make gameday          rehearse healing against moto and the recovery chain on a virtual clock (ENV=, REPORT=)"
	@echo "make clean            remove cdk.out, caches"

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

# The pinned CLI runs app.py (cdk.json "app"), which puts jsii on the venv's Node 24 itself.
synth: setup
	rm -rf cdk.out
	node_modules/.bin/cdk synth --quiet $(if $(ENV),-c env=$(ENV))
	$(VENV)/bin/cfn-lint --config-file .cfnlintrc.yaml -- cdk.out/assembly-*/*.template.json
	$(PY) -m scripts.synth_summary cdk.out

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: setup lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope -q $(PYTEST_ARGS)

# Recovery-time budget of every environment, read from what `make synth` produced (not the config).
# Exits non-zero when a scenario misses its target; budget-overrides.json holds reviewed exceptions.
budget: synth
	$(PY) -m tools.recovery_budget --assembly cdk.out --out .budget/ --overrides budget-overrides.json

# Rehearse the healing path locally: deploy the synthesized Tokyo stacks of one environment into moto
# (server mode, 127.0.0.1 only), inject failures, verify recovery; then the simulated drills run the
# whole recovery chain on a virtual clock and check each against the recovery budget (same overrides
# as `make budget`). Exits non-zero if a drill fails or a simulated drill is above its budget.
gameday: setup
	$(PY) -m tools.gameday --env $(or $(ENV),dev) $(if $(REPORT),--report $(REPORT))

snapshot-update: setup
	$(PY) -m pytest tests/stacks -q --snapshot-update

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache .hypothesis .budget
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +
