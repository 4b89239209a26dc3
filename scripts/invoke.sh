#!/usr/bin/env bash
# `make invoke FN=<function> [EVENT=events/<function>.json]`: one invocation
# of a function on a sample event, through cargo lambda's Lambda emulator
# and against the local stack: `sam local invoke` without Docker. Uses the
# emulator of a running `make dev` (port 9000); otherwise starts a
# throw-away stack of its own and stops it afterwards.
source "$(dirname "$0")/lib.sh"

FN=${FN:?usage: make invoke FN=<function> [EVENT=events/<function>.json]}
EVENT=${EVENT:-events/$FN.json}
[ -f "$ROOT/$EVENT" ] || [ -f "$EVENT" ] || { log "no event file $EVENT"; exit 2; }
[ -f "$EVENT" ] || EVENT="$ROOT/$EVENT"
ensure_tools

if ! port_free "${API_PORT:-9000}"; then
  exec cargo lambda invoke --invoke-address 127.0.0.1 --invoke-port "${API_PORT:-9000}" "$FN" --data-file "$EVENT"
fi

DDB_PORT=8400 MOTO_PORT=5400 PORT=9400
LOG_DIR="$ROOT/.local/invoke-logs"; mkdir -p "$LOG_DIR"
# A signal stops what was started and ends the script (a trap alone would
# carry on after it, with the stack gone).
trap stop_all EXIT; trap "exit 143" INT TERM
start_dynamodb "$DDB_PORT"
start_moto "$MOTO_PORT"
export_stack_env "$DDB_PORT" "$MOTO_PORT" invoke
provision >&2
local_jwt_issuer 9410 "$ROOT/.local/jwt" "$PORT" 8480 >&2
# The samples' admin header is the local one (as under `make dev`).
export ADMIN_WALLETS=ALAYoJpabALEEt7czrdMm9Du5dWybtyCC4jJ3GXynz24 ALLOW_UNSIGNED_ADMIN=true
cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$PORT" >"$LOG_DIR/watch.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT" "cargo lambda watch"
cargo lambda invoke --invoke-address 127.0.0.1 --invoke-port "$PORT" "$FN" --data-file "$EVENT"
