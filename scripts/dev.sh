#!/usr/bin/env bash
# `make dev`: the local stack and the API on http://127.0.0.1:9000.
# DynamoDB Local keeps its data in .local/dynamodb so a restart loses
# nothing. Ctrl-C stops everything this script started.
source "$(dirname "$0")/lib.sh"

DDB_PORT=${DDB_PORT:-8000}
MOTO_PORT=${MOTO_PORT:-5000}
API_PORT=${API_PORT:-9000}
LOG_DIR="$ROOT/.local/logs"; mkdir -p "$LOG_DIR"
trap stop_all EXIT INT TERM

ensure_tools
start_dynamodb "$DDB_PORT" "$ROOT/.local/dynamodb"
start_moto "$MOTO_PORT"
export_stack_env "$DDB_PORT" "$MOTO_PORT" local
local_jwt_issuer "${JWKS_PORT:-9010}" "$ROOT/.local/jwt"
provision

# The runbooks' curl lines send only x-admin-wallet, and execute their
# example month (2026-02): allow both locally (refused outside STAGE=local).
export ADMIN_WALLETS="${ADMIN_WALLETS:-ALAYoJpabALEEt7czrdMm9Du5dWybtyCC4jJ3GXynz24}"
export ALLOW_UNSIGNED_ADMIN=true CYCLE_ALLOW_PAST_MONTHS=true
export RUST_LOG="${RUST_LOG:-info}"

log "building functions"
cargo build -q -p functions
echo
echo "API: http://127.0.0.1:$API_PORT  (try: curl -s http://127.0.0.1:$API_PORT/api/partners/config -H 'x-admin-wallet: ${ADMIN_WALLETS%%,*}')"
echo "     BASE_URL=http://127.0.0.1:$API_PORT ADMIN_WALLET=${ADMIN_WALLETS%%,*}   logs: .local/logs   stop: Ctrl-C"
echo "     Partner Network token: TOKEN=\$(cargo run -q -p integration-tests --bin mint-token -- --business biz-a --role owner)"
echo
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" &
PIDS+=($!)
WATCH_PID=$!
wait_port "$API_PORT" "cargo lambda watch"
# Feed the queues to their workers, as Lambda's event source mappings do.
"$VENV/bin/python" "$ROOT/scripts/sqs_poller.py" "$API_PORT" \
  "$REFUND_PAYOUT_QUEUE_URL=refund-payout-worker" \
  "$PADDLE_WEBHOOK_QUEUE_URL=webhooks-paddle-worker" "$SETTLEMENT_QUEUE_URL=settlement-worker" >"$LOG_DIR/sqs-poller.log" 2>&1 &
PIDS+=($!)
wait "$WATCH_PID"
