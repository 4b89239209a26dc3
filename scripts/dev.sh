#!/usr/bin/env bash
# `make dev`: the local stack, the API on http://127.0.0.1:9000 and the web
# app on http://127.0.0.1:8080 (its /api proxied to the API; sign-in at the
# local OIDC provider on http://127.0.0.1:9010).
# DynamoDB Local keeps its data in .local/dynamodb so a restart loses
# nothing. Ctrl-C stops everything this script started.
#
# Admin requests: by default the runbooks' curl lines work as written
# (x-admin-wallet alone, a local-only bypass). With ADMIN_KEY_FILE set
# (`make dev ADMIN_KEY_FILE=admin.key`), signatures are on as in AWS: the
# key's wallet is the admin and every admin request is signed (partnerctl).
# Overridable for a second stack beside this one (the smoke test does):
# DDB_PORT, MOTO_PORT, API_PORT, JWKS_PORT (the OIDC provider), WEB_PORT,
# JWT_LOCAL_DIR, DEV_DATA_DIR ("" keeps DynamoDB in memory), DEV_LOG_DIR,
# DEV_IGNORE_CHANGES=1 (no rebuild on edits), DEV_WEB=preview (serve the
# production build instead of Vite's dev server; the browser tests do) or
# DEV_WEB=off (no web app), DEV_CLOCK_FILE (the stack's clock offset,
# .local/clock; `make clock` moves it).
source "$(dirname "$0")/lib.sh"

DDB_PORT=${DDB_PORT:-8000}
MOTO_PORT=${MOTO_PORT:-5000}
API_PORT=${API_PORT:-9000}
WEB_PORT=${WEB_PORT:-8080}
LOG_DIR="${DEV_LOG_DIR:-$ROOT/.local/logs}"; mkdir -p "$LOG_DIR"
# A signal stops what was started and ends the script (a trap alone would
# carry on after it, with the stack gone).
trap stop_all EXIT; trap "exit 143" INT TERM

ensure_tools
start_dynamodb "$DDB_PORT" "${DEV_DATA_DIR-$ROOT/.local/dynamodb}"
start_moto "$MOTO_PORT"
# The notification emails' links lead to this stack's web app.
export WEB_APP_URL="http://127.0.0.1:$WEB_PORT"
export_stack_env "$DDB_PORT" "$MOTO_PORT" local
# The stack's clock: the system's plus the offset in this file (`make clock
# AT=2027-01-01T01:00:00Z` ends a month; `make clock AT=now` puts it back).
# Kept beside the data, which was written on it.
export CLOCK_FILE="${DEV_CLOCK_FILE:-$ROOT/.local/clock}"
mkdir -p "$(dirname "$CLOCK_FILE")"
[ -s "$CLOCK_FILE" ] && log "the stack's clock is $(cat "$CLOCK_FILE") s ahead ($CLOCK_FILE; make clock AT=now resets it)"
local_jwt_issuer "${JWKS_PORT:-9010}" "${JWT_LOCAL_DIR:-$ROOT/.local/jwt}" "$API_PORT" "$WEB_PORT"
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
# Business webhooks may go to a receiver on this machine (loopback over
# http; refused outside STAGE=local).
export WEBHOOKS_ALLOW_LOCAL_RECEIVERS=true
# The runbooks execute their example month (2026-02), a past one.
export CYCLE_ALLOW_PAST_MONTHS=true
export RUST_LOG="${RUST_LOG:-info}"

log "building functions"
cargo build -q -p functions
[ "${DEV_WEB:-}" = "off" ] || port_free "$WEB_PORT" || { log "port $WEB_PORT is taken (is another stack running?)"; exit 1; }
echo
echo "Web app: http://127.0.0.1:$WEB_PORT  (sign in with any user name)"
echo "API: http://127.0.0.1:$API_PORT  (try: curl -s http://127.0.0.1:$API_PORT/api/partners/config -H 'x-admin-wallet: ${ADMIN_WALLETS%%,*}')"
echo "     BASE_URL=http://127.0.0.1:$API_PORT ADMIN_WALLET=${ADMIN_WALLETS%%,*}   logs: ${LOG_DIR#$ROOT/}   stop: Ctrl-C"
echo "     Partner Network token (a signed-in user; its business from the table): TOKEN=\$(cargo run -q -p integration-tests --bin mint-token -- --sub ana)"
echo
# cargo lambda watch gives every function it starts a file watcher over its
# working directory. Run from the repo root, each watched all of target/,
# .venv/ and node_modules/ (12,000 folders): after about 15 functions the
# machine's inotify watches ran out and the next functions to start broke
# the emulator (`blocking waitpid returned pid=0`, no route answered). From
# a folder of links to the sources alone, each watches about 25 folders,
# and an edit to them still rebuilds.
# Each running function still holds one inotify instance (one per function): say
# so when this user's limit leaves too few (another stack running, say).
functions=$(ls "$ROOT/functions/src/bin" | wc -l)
in_use=$( (find /proc/[0-9]*/fd -lname 'anon_inode:inotify' 2>/dev/null || true) | wc -l)
limit=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)
if [ $((limit - in_use)) -lt $((functions + 8)) ]; then
  log "warning: $in_use of $limit inotify instances in use and up to $functions functions to start; if functions stop answering, stop the other stack or raise the limit: sudo sysctl fs.inotify.max_user_instances=512"
fi
WATCH_ROOT="$ROOT/.local/watch"; mkdir -p "$WATCH_ROOT"
for src in functions shared Cargo.toml Cargo.lock; do ln -sfn "$ROOT/$src" "$WATCH_ROOT/$src"; done
(cd "$WATCH_ROOT" && exec cargo lambda watch ${DEV_IGNORE_CHANGES:+--ignore-changes} --manifest-path "$ROOT/Cargo.toml" \
  --invoke-address 127.0.0.1 --invoke-port "$API_PORT") &
PIDS+=($!)
WATCH_PID=$!
wait_port "$API_PORT" "cargo lambda watch"
# The web app: Vite's dev server (reloads on edits), or the production build
# served by `vite preview`; both proxy /api to the functions, at most
# API_CONCURRENCY requests at a time.
export API_URL="http://127.0.0.1:$API_PORT" OIDC_ISSUER="$JWT_ISSUER" OIDC_CLIENT_ID="$JWT_AUDIENCE"
if [ "${DEV_WEB:-}" = "off" ]; then
  :
elif [ "${DEV_WEB:-}" = "preview" ]; then
  (cd "$ROOT/web" && npx vite build --logLevel warn && exec npx vite preview --port "$WEB_PORT") >"$LOG_DIR/web.log" 2>&1 &
else
  (cd "$ROOT/web" && exec npx vite --port "$WEB_PORT") >"$LOG_DIR/web.log" 2>&1 &
fi
PIDS+=($!)
# Feed the queues to their workers, as Lambda's event source mappings do.
"$VENV/bin/python" "$ROOT/scripts/sqs_poller.py" "$API_PORT" \
  "$REFUND_PAYOUT_QUEUE_URL=refund-payout-worker" \
  "$PADDLE_WEBHOOK_QUEUE_URL=webhooks-paddle-worker" "$SETTLEMENT_QUEUE_URL=settlement-worker" \
  "$NOTIFICATIONS_QUEUE_URL=notifications-worker" "$WEBHOOK_DELIVERY_QUEUE_URL=webhooks-delivery-worker" >"$LOG_DIR/sqs-poller.log" 2>&1 &
PIDS+=($!)
wait "$WATCH_PID"
