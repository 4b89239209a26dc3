#!/usr/bin/env bash
# `make test`: starts its own stack on other ports than `make dev` (so both
# can run at once), lints the SAM template, runs every Rust test against
# DynamoDB Local and moto, runs the curl smoke test through
# `cargo lambda watch`, stops what it started, and fails on any failure.
source "$(dirname "$0")/lib.sh"

DDB_PORT=${TEST_DDB_PORT:-8100}
MOTO_PORT=${TEST_MOTO_PORT:-5100}
API_PORT=${TEST_API_PORT:-9100}
LOG_DIR="$ROOT/.local/test-logs"; mkdir -p "$LOG_DIR"
trap stop_all EXIT INT TERM
# A clean CI clone gains nothing from incremental artifacts; they only cost disk.
[[ "${CI:-}" == "true" ]] && export CARGO_INCREMENTAL=0

ensure_tools

log "linting infra/template.yaml (cfn-lint, sam validate --lint) and docs/api/openapi.yaml"
lint_template
openapi-spec-validator docs/api/openapi.yaml

start_dynamodb "$DDB_PORT"
start_moto "$MOTO_PORT"
export_stack_env "$DDB_PORT" "$MOTO_PORT" test

log "running cargo tests"
cargo test --workspace --locked -- --test-threads 4

log "running the runbook smoke test through cargo lambda watch"
provision
local_jwt_issuer "${TEST_JWKS_PORT:-9110}" "$ROOT/.local/test-jwt"
bash "$ROOT/scripts/smoke.sh" "$API_PORT"
