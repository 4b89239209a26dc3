#!/usr/bin/env bash
# `make test`: starts its own stack on other ports than `make dev` (so both
# can run at once), lints the SAM template, runs every Rust test against
# DynamoDB Local and moto, runs the runbooks' smoke test against `make dev`
# (on other ports, in memory), runs the web app's unit and browser tests
# against its own `make dev` (scripts/web-test.sh), runs `make invoke` on its own throw-away
# stack for an HTTP, a scheduled and an SQS function, checks that every
# AWS operation a function performed meanwhile is allowed by its policy in
# the template, stops what it started, and fails on any failure.
source "$(dirname "$0")/lib.sh"

DDB_PORT=${TEST_DDB_PORT:-8100}
MOTO_PORT=${TEST_MOTO_PORT:-5100}
API_PORT=${TEST_API_PORT:-9100}
LOG_DIR="$ROOT/.local/test-logs"; mkdir -p "$LOG_DIR"
# A signal stops what was started and ends the script (a trap alone would
# carry on after it, with the stack gone).
trap stop_all EXIT; trap "exit 143" INT TERM
# A clean CI clone gains nothing from incremental artifacts; they only cost disk.
[[ "${CI:-}" == "true" ]] && export CARGO_INCREMENTAL=0

ensure_tools
# Every AWS operation a function performs (tests and smoke alike) is
# recorded here and checked against its policy at the end.
export AWS_OPERATIONS_LOG="$ROOT/.local/aws-ops"
rm -rf "$AWS_OPERATIONS_LOG"; mkdir -p "$AWS_OPERATIONS_LOG"

log "make lint: rustfmt and clippy, infra/template.yaml (cfn-lint, sam validate --lint) and docs/api/openapi.yaml"
make -s -C "$ROOT" lint

start_dynamodb "$DDB_PORT"
start_moto "$MOTO_PORT"
export_stack_env "$DDB_PORT" "$MOTO_PORT" test

log "running cargo tests"
# No backtraces: a failing test's own message then ends its output, which
# is the part of a long CI log that gets shown.
RUST_BACKTRACE=0 cargo test --workspace --locked -- --test-threads 4

stop_all; PIDS=()

log "running the runbooks' smoke test against make dev"
bash "$ROOT/scripts/smoke.sh" "$API_PORT"

log "the web app: unit tests, a burst against make dev, the browser suite"
bash "$ROOT/scripts/web-test.sh"

log "make invoke without make dev: one HTTP, one scheduled, one SQS function"
# FN and what its answer to its sample must hold.
while read -r fn assertion; do
  out=$(API_PORT=$API_PORT make -s -C "$ROOT" invoke FN="$fn" 2>"$LOG_DIR/invoke-$fn.log") \
    || { log "make invoke FN=$fn failed: $(tail -n 5 "$LOG_DIR/invoke-$fn.log")"; exit 1; }
  OUT="$out" python3 -c "import json,os; b=json.loads(os.environ['OUT']); assert $assertion, b" \
    || { log "make invoke FN=$fn answered: $out"; exit 1; }
  log "make invoke FN=$fn: ok"
done <<'CASES'
health b['statusCode']==200 and json.loads(b['body'])['status']=='ok'
cycle-scheduled b['monthKey']=='2026-02' and b['status'] in ('EXECUTED','ALREADY_EXECUTED')
settlement-worker 'batchItemFailures' in b
CASES

log "every AWS operation a function performed is allowed by its policy in infra/template.yaml"
cargo run -q -p integration-tests --bin aws-ops-check -- "$AWS_OPERATIONS_LOG"
