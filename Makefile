# kong-okta-portal — one entry point for set-up, tests, the demo and stack operations.
SHELL := /bin/bash
.DEFAULT_GOAL := help

REPO     := $(abspath .)
VENV     := $(REPO)/.venv
PY       := $(VENV)/bin/python
STACK    ?= local
IDENTITY ?= dcr
PULUMI_BIN_DIR ?= $(shell cat $(REPO)/.pulumi-bin-dir 2>/dev/null)

# Everything that runs Pulumi: an isolated home, a file backend in the repo (ignored by git),
# the local stack's passphrase, no update checks, no plugin downloads.
export PULUMI_BIN_DIR
export PATH := $(PULUMI_BIN_DIR):$(VENV)/bin:$(PATH)
export PULUMI_HOME ?= $(REPO)/.pulumi-home
export PULUMI_BACKEND_URL ?= file://$(REPO)/.pulumi-state
export PULUMI_CONFIG_PASSPHRASE ?= local-sandbox-only
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PULUMI_PYTHON_CMD := $(PY)
export PYTHONPATH := $(REPO)
export IDENTITY

.PHONY: help setup venv cli lint format test test-unit demo demo-down up preview refresh destroy verify \
	bench discover audit seed mutate

help:
	@echo "make demo      set up, start the sandbox, pulumi up the 'local' stack, verify"
	@echo "make demo IDENTITY=okta   the same with the okta path (needs the pulumi-okta plugin)"
	@echo "make test      lint + every test (unit, contract, engine)"
	@echo "make setup     virtualenv from requirements.lock + the Pulumi CLI"
	@echo "make up|preview|refresh|destroy [STACK=local]"
	@echo "make verify [STACK=local]  prove the deployed flow (python -m verify)"
	@echo "make demo-down stop the demo sandbox"
	@echo "make seed      build a hand-made portal estate in the running sandbox"
	@echo "make discover STACK=name ADMIN_URL=... PROXY_URL=...  adopt a live portal"
	@echo "make audit STACK=name   what lives in the portal outside the stack (exit 1 if any)"
	@echo "make mutate    mutation testing of providers/ components/ policies/ (long; MUTANTS=glob)"

venv: $(VENV)/.synced

$(VENV)/.synced: requirements.lock
	@command -v uv >/dev/null || python3 -m pip install --quiet uv
	@[ -x $(PY) ] || uv venv --quiet --python python3.11 $(VENV)
	uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	@touch $@

cli:
	@set -o pipefail; bash scripts/pulumi-cli | tail -n 1 > .pulumi-bin-dir.tmp
	@mv .pulumi-bin-dir.tmp .pulumi-bin-dir
	@echo "pulumi CLI: $$(cat .pulumi-bin-dir)"

setup: venv cli
	@mkdir -p .pulumi-state .pulumi-home

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup lint
	$(MAKE) --no-print-directory _pytest PULUMI_BIN_DIR=$$(cat .pulumi-bin-dir)

_pytest:
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

demo: setup
	@$(MAKE) --no-print-directory _demo PULUMI_BIN_DIR=$$(cat .pulumi-bin-dir)

_demo:
	bash scripts/demo

demo-down:
	bash scripts/demo-down

up preview refresh destroy: setup
	@$(MAKE) --no-print-directory _stack CMD=$@ PULUMI_BIN_DIR=$$(cat .pulumi-bin-dir)

_stack:
	STACK=$(STACK) bash scripts/stack $(CMD)

verify: setup
	@$(MAKE) --no-print-directory _verify PULUMI_BIN_DIR=$$(cat .pulumi-bin-dir)

_verify:
	$(PY) -m verify --stack $(STACK) $(VERIFY_ARGS)

bench: setup
	@$(MAKE) --no-print-directory _bench PULUMI_BIN_DIR=$$(cat .pulumi-bin-dir)

_bench:
	$(PY) -m bench.scale

# Bringing an existing portal under code (README: "Adopting an existing portal").
ADMIN_URL ?= http://127.0.0.1:8001
PROXY_URL ?= http://127.0.0.1:8000
ISSUER_URL ?= http://127.0.0.1:8080/oauth2/default

seed: venv
	IDENTITY_API_TOKEN=$${IDENTITY_API_TOKEN:-sandbox-idp-api-token} \
	  $(PY) -m sandbox.seed --admin $(ADMIN_URL) --issuer $(ISSUER_URL) $(SEED_ARGS)

discover: venv
	@if [ "$(STACK)" = local ]; then echo "make discover: pick STACK=<a new stack> (local is the demo's)"; exit 2; fi
	$(PY) -m discover --stack $(STACK) --admin-url $(ADMIN_URL) --proxy-url $(PROXY_URL) $(DISCOVER_ARGS)

audit: setup
	@$(MAKE) --no-print-directory _audit PULUMI_BIN_DIR=$$(cat .pulumi-bin-dir)

_audit:
	$(PY) -m discover audit --stack $(STACK) $(AUDIT_ARGS)
# Mutation testing (mutmut, configured in pyproject.toml): fast tests only, at low priority.
# MUTANTS narrows the run, e.g. MUTANTS='providers.kong_admin.*'; results are kept in mutants/
# between runs, so an interrupted run resumes. The report lands in bench/results/.
MUTATE_CHILDREN ?= 2
mutate: setup
	nice -n 10 $(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN) $(MUTANTS)
	$(PY) -m scripts.mutation_report --out bench/results/mutation-report.md
	@head -n 25 bench/results/mutation-report.md
