# Every target installs what it needs (make setup is idempotent and fast when already done).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PYTHON := $(VENV)/bin/python
TF_ENV := . scripts/tf-env.sh
ENV    ?=

.PHONY: help setup build fmt lint gates validate tftest pytest test bench local status dlq redrive replay watch backfill fire token user plan apply destroy bootstrap deployer-policy operator-policy e2e clean

help: ## List the targets
	@grep -E '^[a-z0-9 -]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

setup: ## Create .venv with the pinned dev dependencies and prepare Terraform (offline kit if the registry is unreachable)
	@bash scripts/setup.sh
	@$(TF_ENV) && echo "terraform: $$(terraform version | head -1), provider source: $$TF_PROVIDER_MODE"

build: setup ## Build deterministic Lambda zips and build/lambdas/manifest.json
	@$(PYTHON) scripts/build_lambdas.py

fmt: setup ## Format Terraform and Python sources in place, and regenerate the module READMEs' input/output tables
	@$(TF_ENV) && for root in $(wildcard modules envs); do terraform fmt -recursive $$root; done
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .
	@$(PYTHON) -m scripts.module_docs

lint: setup build ## ruff, terraform fmt -check, mypy --strict, checkov, and the IAM/ASL gates (make gates)
	@$(TF_ENV) && $(PYTHON) -m scripts.check lint fmt types checkov
	@$(TF_ENV) && $(PYTHON) -m scripts.gates

gates: setup build ## IAM policies and state machines of every env against AWS's catalogues (README "Gates")
	@$(TF_ENV) && $(PYTHON) -m scripts.gates

validate: setup ## terraform init + validate every module and environment
	@$(TF_ENV) && $(PYTHON) -m scripts.check validate

tftest: setup ## terraform test every module and environment that has tests/
	@$(TF_ENV) && $(PYTHON) -m scripts.check tftest

pytest: setup build ## pytest only (extra arguments: make pytest ARGS="-k crud")
	@$(TF_ENV) && $(PYTHON) -m scripts.check pytest -- $(ARGS)

test: setup ## Everything CI runs: build, lint, fmt, mypy and checkov, validate, terraform test, pytest (gates, coverage floors)
	@$(TF_ENV) && $(PYTHON) -m scripts.check

local: ## The whole system on localhost (moto + emulated API Gateway and Lambda; ENGINE=ministack for the second engine), from Terraform's evaluation of envs/local; Ctrl-C stops it
	@bash scripts/setup.sh dev $(if $(filter ministack,$(ENGINE)),ministack,)
	@$(TF_ENV) && VERBOSE="$(VERBOSE)" $(PYTHON) -m scripts.localrt --env "$(or $(ENV),local)" --aws-port "$(or $(AWS_PORT),4566)" --api-port "$(or $(API_PORT),8080)" --live-port "$(or $(LIVE_PORT),8081)" --engine "$(or $(ENGINE),moto)"

status: ## What needs attention in an environment (ENV=local, the default, is the running make local): every DLQ's depth and oldest message, failed executions of the last 24 h, stream mappings, alarms in ALARM, the last import; exits 1 if anything needs attention (JSON=1 for scripts)
	@test -x $(PYTHON) || { echo "make status: run make setup first (no .venv yet)" >&2; exit 2; }
	@$(TF_ENV) && $(PYTHON) -m scripts.ops status --env "$(or $(ENV),local)" $(if $(JSON),--json,)

dlq: ## The parked messages of an environment's DLQs, each decoded into what it is, why and when; none consumed: make dlq [ENV=<env>] [QUEUE=<kind or name>] [LIMIT=n] [JSON=1]
	@test -x $(PYTHON) || { echo "make dlq: run make setup first (no .venv yet)" >&2; exit 2; }
	@$(TF_ENV) && $(PYTHON) -m scripts.ops dlq --env "$(or $(ENV),local)" --queue "$(QUEUE)" --limit "$(or $(LIMIT),20)" $(if $(JSON),--json,)

redrive: ## Every parked message of a DLQ back where it was going, deleted once it got there (twice is harmless): make redrive [ENV=<env>] QUEUE=<kind, name or all> [LIMIT=n] [DRY_RUN=1] [JSON=1]
	@test -x $(PYTHON) || { echo "make redrive: run make setup first (no .venv yet)" >&2; exit 2; }
	@$(TF_ENV) && $(PYTHON) -m scripts.ops redrive --env "$(or $(ENV),local)" --queue "$(QUEUE)" --limit "$(or $(LIMIT),1000)" $(if $(DRY_RUN),--dry-run,) $(if $(JSON),--json,)

replay: ## The bus archive's events of a window delivered again to its rules (or RULE=), followed until done: make replay [ENV=<env>] FROM=<ISO 8601 time> [TO=<time>] [RULE=<rule>] [DRY_RUN=1] [JSON=1]
	@test -x $(PYTHON) || { echo "make replay: run make setup first (no .venv yet)" >&2; exit 2; }
	@$(TF_ENV) && $(PYTHON) -m scripts.ops replay --env "$(or $(ENV),local)" --from "$(FROM)" --to "$(or $(TO),now)" --rule "$(RULE)" $(if $(DRY_RUN),--dry-run,) $(if $(JSON),--json,)

watch: ## Item changes as they happen, over the live-updates WebSocket API: make watch [ENV=<env>] [ID=<item id>] [FOR=<seconds>] (a deployed env: TOKEN=$$(make -s token ENV=<env> EMAIL=<you>))
	@test -x $(PYTHON) || { echo "make watch: run make setup first (no .venv yet)" >&2; exit 2; }
	@$(TF_ENV) && $(PYTHON) -m scripts.ops watch --env "$(or $(ENV),local)" $(if $(ID),--id "$(ID)",) $(if $(FOR),--for "$(FOR)",)

backfill: ## A query index's keys on every item stored before the index existed (resumable, never overwrites an update): make backfill [ENV=<env>] INDEX=<name or all> [PAGE_SIZE=n] [JSON=1]
	@test -x $(PYTHON) || { echo "make backfill: run make setup first (no .venv yet)" >&2; exit 2; }
	@$(TF_ENV) && $(PYTHON) -m scripts.ops backfill --env "$(or $(ENV),local)" --index "$(INDEX)" --page-size "$(or $(PAGE_SIZE),100)" $(if $(JSON),--json,)

fire: ## Fire a schedule of the running make local now: make fire SCHEDULE=<name> (output export_schedule_name)
	@test -x $(PYTHON) || { echo "make fire: start make local first (no .venv yet)" >&2; exit 2; }
	@$(PYTHON) -m scripts.localrt.fire "$(SCHEDULE)" --env "$(or $(ENV),local)"

token: ## A fresh ID token on one line (an hour): of make local's user, or ENV=<env> EMAIL=<address> by SRP; export TOKEN=$$(make -s token)
	@test -x $(PYTHON) || { echo "make token: run make setup (or make local) first" >&2; exit 2; }
	@if [ -z "$(ENV)" ] || [ "$(ENV)" = local ]; then $(PYTHON) -m scripts.localrt.token --env local; \
	else $(TF_ENV) >/dev/null 2>&1 && $(PYTHON) -m scripts.users token "$(ENV)" --email "$(EMAIL)"; fi

user: setup ## After the first apply: a user of ENV=<env>'s API (its Cognito pool), temporary password printed once: make user ENV=dev EMAIL=<address>
	@$(TF_ENV) && $(PYTHON) -m scripts.users user "$(ENV)" --email "$(EMAIL)"

bench: setup build ## Figures, never pass/fail, into build/bench.json: zips, cold imports, fan-out and trigger per record, local runtime latency, test stage times
	@$(TF_ENV) && $(PYTHON) -m scripts.bench $(ARGS)

plan apply destroy: setup build ## terraform plan|apply|destroy ENV=<dev|staging|prod|local> after a read-only preflight (destroy of prod needs CONFIRM=prod; CI=true approves)
	@$(TF_ENV) && $(PYTHON) -m scripts.deploy $@ "$(ENV)" --confirm "$(CONFIRM)"

e2e: setup build ## The end-to-end suite: TARGET=local (default, the local runtime on both engines, or ENGINE=moto|ministack) | localstack (apply, test, destroy ENV=local) | aws (ENV=<applied env>)
	@$(TF_ENV) && $(PYTHON) -m scripts.e2e --target "$(or $(TARGET),local)" --env "$(or $(ENV),dev)" --engine "$(ENGINE)"

deployer-policy: setup build ## The least-privilege policies of ENV=<env>: build/deployer-policy.<env>.json (apply, destroy) and build/reader-policy.<env>.json (plan)
	@$(TF_ENV) && $(PYTHON) -m scripts.deployer_policy "$(ENV)"

operator-policy: setup build ## The least-privilege policy of whoever runs make status, dlq, redrive and replay on ENV=<env>: build/operator-policy.<env>.json
	@$(TF_ENV) && $(PYTHON) -m scripts.ops.policy "$(or $(ENV),prod)"

bootstrap: setup ## Once per AWS account and region, before the first apply: envs/bootstrap for ENV=<env>'s account and region
	@$(TF_ENV) && $(PYTHON) -m scripts.deploy bootstrap "$(ENV)"

clean: ## Remove build outputs, caches, .terraform folders and the local runtime's files (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache .mypy_cache .hypothesis .benchmarks .coverage .coverage.*
	find modules envs -name .terraform -type d -prune -exec rm -rf {} +
	find envs -name .local -type d -prune -exec rm -rf {} +
