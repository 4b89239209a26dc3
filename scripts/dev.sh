#!/usr/bin/env bash
# `make dev`: the local stack and the API on http://127.0.0.1:9000.
# DynamoDB Local keeps its data in .local/dynamodb so a restart loses
# nothing. Ctrl-C stops everything this script started.
#
# Admin requests: by default the runbooks' curl lines work as written
# (x-admin-wallet alone, a local-only bypass). With ADMIN_KEY_FILE set
# (`make dev ADMIN_KEY_FILE=admin.key`), signatures are on as in AWS: the
# key's wallet is the admin and every admin request is signed (partnerctl).
# Overridable for a second stack beside this one (the smoke test does):
# DDB_PORT, MOTO_PORT, API_PORT, JWKS_PORT, JWT_LOCAL_DIR, DEV_DATA_DIR
# ("" keeps DynamoDB in memory), DEV_LOG_DIR, DEV_IGNORE_CHANGES=1 (no
# rebuild on edits).
source "$(dirname "$0")/lib.sh"

DDB_PORT=${DDB_PORT:-8000}
MOTO_PORT=${MOTO_PORT:-5000}
API_PORT=${API_PORT:-9000}
LOG_DIR="${DEV_LOG_DIR:-$ROOT/.local/logs}"; mkdir -p "$LOG_DIR"
# A signal stops what was started and ends the script (a trap alone would
# carry on after it, with the stack gone).
trap stop_all EXIT; trap "exit 143" INT TERM

ensure_tools
start_dynamodb "$DDB_PORT" "${DEV_DATA_DIR-$ROOT/.local/dynamodb}"
start_moto "$MOTO_PORT"
export_stack_env "$DDB_PORT" "$MOTO_PORT" local
local_jwt_issuer "${JWKS_PORT:-9010}" "${JWT_LOCAL_DIR:-$ROOT/.local/jwt}"
provision

if [ -n "${ADMIN_KEY_FILE:-}" ]; then
  ADMIN_WALLETS=$(cargo run -q -p integration-tests --bin partnerctl -- --key "$ADMIN_KEY_FILE" wallet)
  export ADMIN_WALLETS ALLOW_UNSIGNED_ADMIN=false
  log "signatures on: admin $ADMIN_WALLETS (sign with: partnerctl --key $ADMIN_KEY_FILE ...)"
else
  # The runbooks' curl lines send only x-admin-wallet: allowed locally
  # (refused outside STAGE=local).
  export ADMIN_WALLETS="${ADMIN_WALLETS:-ALAYoJpabALEEt7czrdMm9Du5dWybtyCC4jJ3GXynz24}" ALLOW_UNSIGNED_ADMIN=true
fi
# The runbooks execute their example month (2026-02), a past one.
export CYCLE_ALLOW_PAST_MONTHS=true
export RUST_LOG="${RUST_LOG:-info}"

log "building functions"
cargo build -q -p functions
echo
echo "API: http://127.0.0.1:$API_PORT  (try: curl -s http://127.0.0.1:$API_PORT/api/partners/config -H 'x-admin-wallet: ${ADMIN_WALLETS%%,*}')"
echo "     BASE_URL=http://127.0.0.1:$API_PORT ADMIN_WALLET=${ADMIN_WALLETS%%,*}   logs: ${LOG_DIR#$ROOT/}   stop: Ctrl-C"
echo "     Partner Network token (a signed-in user; its business from the table): TOKEN=\$(cargo run -q -p integration-tests --bin mint-token -- --sub ana)"
echo
cargo lambda watch ${DEV_IGNORE_CHANGES:+--ignore-changes} --invoke-address 127.0.0.1 --invoke-port "$API_PORT" &
PIDS+=($!)
WATCH_PID=$!
wait_port "$API_PORT" "cargo lambda watch"
# Feed the queues to their workers, as Lambda's event source mappings do.
"$VENV/bin/python" "$ROOT/scripts/sqs_poller.py" "$API_PORT" \
  "$REFUND_PAYOUT_QUEUE_URL=refund-payout-worker" \
  "$PADDLE_WEBHOOK_QUEUE_URL=webhooks-paddle-worker" "$SETTLEMENT_QUEUE_URL=settlement-worker" >"$LOG_DIR/sqs-poller.log" 2>&1 &
PIDS+=($!)
wait "$WATCH_PID"
