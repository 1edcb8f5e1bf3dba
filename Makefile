# Every target installs what it needs (make setup is idempotent and fast when already done).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PYTHON := $(VENV)/bin/python
TF_ENV := . scripts/tf-env.sh
ENV    ?=

.PHONY: help setup build fmt lint validate tftest pytest test bench local plan apply destroy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup: ## Create .venv with the pinned dev dependencies and prepare Terraform (offline kit if the registry is unreachable)
	@bash scripts/setup.sh
	@$(TF_ENV) && echo "terraform: $$(terraform version | head -1), provider source: $$TF_PROVIDER_MODE"

build: setup ## Build deterministic Lambda zips and build/lambdas/manifest.json
	@$(PYTHON) scripts/build_lambdas.py

fmt: setup ## Format Terraform and Python sources in place
	@$(TF_ENV) && for root in $(wildcard modules envs); do terraform fmt -recursive $$root; done
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

lint: setup ## ruff check, ruff format --check, terraform fmt -check
	@$(TF_ENV) && $(PYTHON) -m scripts.check lint fmt

validate: setup ## terraform init + validate every module and environment
	@$(TF_ENV) && $(PYTHON) -m scripts.check validate

tftest: setup ## terraform test every module and environment that has tests/
	@$(TF_ENV) && $(PYTHON) -m scripts.check tftest

pytest: setup build ## pytest only (extra arguments: make pytest ARGS="-k crud")
	@$(TF_ENV) && $(PYTHON) -m scripts.check pytest -- $(ARGS)

test: setup ## Everything CI runs: build, lint, fmt, validate, terraform test, pytest
	@$(TF_ENV) && $(PYTHON) -m scripts.check

local: setup ## The whole system on localhost (moto + emulated API Gateway and Lambda), from Terraform's evaluation of envs/local; Ctrl-C stops it
	@$(TF_ENV) && $(PYTHON) -m scripts.localrt --env "$(or $(ENV),local)" --aws-port "$(or $(AWS_PORT),4566)" --api-port "$(or $(API_PORT),8080)"

bench: setup ## Benchmarks that print figures (not tests): the fan-out publisher on 10,000 records
	@$(PYTHON) scripts/bench_fanout.py

plan apply destroy: setup build ## terraform plan|apply|destroy ENV=<dev|staging|prod|local> (destroy of prod needs CONFIRM=prod)
	@$(TF_ENV) && $(PYTHON) scripts/deploy.py $@ "$(ENV)" --confirm "$(CONFIRM)"

clean: ## Remove build outputs, caches, .terraform folders and the local runtime's files (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache .hypothesis .benchmarks .coverage
	find modules envs -name .terraform -type d -prune -exec rm -rf {} +
	find envs -name .local -type d -prune -exec rm -rf {} +
