# The commands the README names. Everything runs from a fresh clone: `make demo`, `make test`.
SHELL := /bin/bash
UV ?= uv
# Let Python cache compiled modules (each service process otherwise compiles its imports
# again when PYTHONDONTWRITEBYTECODE is set, about 2.5 s of CPU per start).
unexport PYTHONDONTWRITEBYTECODE
# The local infrastructure's admin credentials (generated on its first start) for the
# commands below: eval "$(deploy/local/env.sh)".
LOCAL_ENV = eval "$$(deploy/local/env.sh)" &&

.PHONY: help install infra-up infra-down demo test test-unit fuzz faults lint typecheck schemas api-docs asyncapi-validate k8s-generate k8s-validate bench bench-smoke clean

install:            ## Python toolchain and the workspace (one lockfile)
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	$(UV) sync --frozen

infra-up:           ## PostgreSQL (one database per service) and a single-node Kafka, no Docker
	deploy/local/up.sh

infra-down:
	deploy/local/down.sh

demo: install infra-up  ## start the services, push a lead all the way to cash, show its journey, keep running
	$(LOCAL_ENV) $(UV) run --frozen l2c-demo

test: install infra-up  ## every test: unit, integration (real Kafka + PostgreSQL), end to end
	$(LOCAL_ENV) $(UV) run --frozen pytest

test-unit: install
	$(UV) run --frozen pytest -m "not integration and not e2e"

fuzz: install infra-up  ## schemathesis over every service's API with many examples (CI runs few)
	L2C_FUZZ_EXAMPLES=$${L2C_FUZZ_EXAMPLES:-100} $(UV) run --frozen pytest -s tests/integration/test_fuzz_api.py

faults: install infra-up  ## the fault matrix: kills, restarts, replay under load, `l2c verify` after each
	$(LOCAL_ENV) $(UV) run --frozen pytest -m faults -p no:cacheprovider tests/faults

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: install
	$(UV) run --frozen mypy

bench: install infra-up  ## every benchmark, full size (minutes), each printing `BENCH <name> <value> <unit>`
	@$(LOCAL_ENV) UV=$(UV) bench/run.sh

bench-smoke: install infra-up  ## every benchmark at a tiny size (seconds each): they still run; figures meaningless
	@$(LOCAL_ENV) UV=$(UV) bench/run.sh --smoke

schemas:            ## regenerate the checked-in JSON Schemas of every event
	$(UV) run --frozen python shared/schemas/scripts/generate_jsonschema.py

api-docs: install    ## regenerate the AsyncAPI document (shared/schemas/asyncapi.yaml) and docs/openapi/
	$(UV) run --frozen python -m l2c_platform.api_docs

asyncapi-validate:  ## validate shared/schemas/asyncapi.yaml with the AsyncAPI parser (npm)
	cd shared/schemas/asyncapi-check && npm ci --no-audit --no-fund --ignore-scripts --silent && node validate.cjs

k8s-generate: install  ## regenerate deploy/k8s/base/generated/ (topics, Kafka users, per-service objects)
	$(UV) run --frozen python deploy/k8s/generate.py

k8s-validate: install  ## build both Kubernetes overlays, validate them offline (deploy/k8s/README.md)
	UV=$(UV) deploy/k8s/validate.sh

help:               ## these targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
