#!/usr/bin/env bash
# The web app's tests (called by `make test`):
#  1. unit: svelte-check (types against the generated API client) and vitest;
#  2. against `make dev` (on this script's ports, in memory, the production
#     build served by `vite preview`): a burst of 115 concurrent requests
#     over every route, then a normal request, which must be answered, with
#     no file-watcher failure in the emulator's log; then the Playwright
#     suite in Debian's Chromium (installed here with apt if missing);
#  3. make deploy's web step against moto (scripts/test_deploy_web.py).
# Usage: web-test.sh   (ports: WEB_TEST_{DDB,MOTO,API,OIDC,WEB,PLACES}_PORT)
source "$(dirname "$0")/lib.sh"

DDB=${WEB_TEST_DDB_PORT:-8130} MOTO=${WEB_TEST_MOTO_PORT:-5130} API=${WEB_TEST_API_PORT:-9130}
OIDC=${WEB_TEST_OIDC_PORT:-9131} WEB=${WEB_TEST_WEB_PORT:-8180} PLACES=${WEB_TEST_PLACES_PORT:-9132}
DIR="$ROOT/.local/web-test"; rm -rf "$DIR"; mkdir -p "$DIR"

ensure_tools
ensure_chromium

log "web unit tests: svelte-check, vitest"
(cd "$ROOT/web" && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output machine >"$DIR/svelte-check.log" 2>&1) \
  || { tail -n 30 "$DIR/svelte-check.log"; exit 1; }
(cd "$ROOT/web" && npx vitest run)

trap 'stop_web_stack; stop_all' EXIT; trap "exit 143" INT TERM

log "make dev for the browser (in memory, production build; geocoding from a local server in Amazon Location's format)"
node "$ROOT/web/e2e/places-server.mjs" "$PLACES" >"$DIR/places.log" 2>&1 &
PIDS+=($!)
start_web_stack "$DIR" "$DDB" "$MOTO" "$API" "$OIDC" "$WEB" \
  GEOCODING=amazon-location AWS_ENDPOINT_URL_GEO_PLACES="http://127.0.0.1:$PLACES"

log "a burst of 115 concurrent requests over every route, then a normal one"
python3 "$ROOT/scripts/burst.py" "http://127.0.0.1:$API" 115 || { tail -n 30 "$DIR/dev.log"; exit 1; }
if grep -Ei "waitpid|fs watcher error|MaxFilesWatch" "$DIR/dev.log"; then
  log "the emulator's file watchers failed under the burst"; exit 1
fi

log "make deploy's web step (scripts/deploy_web.py) against moto's S3, CloudFormation, Cognito and CloudFront"
AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO" AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 \
  "$VENV/bin/python" "$ROOT/scripts/test_deploy_web.py"

log "Playwright in Chromium against http://127.0.0.1:$WEB"
# CLOCK_FILE: the settlement test ends a month on the stack's clock;
# MOTO_URL: the email test reads the mail moto's SES was given.
(cd "$ROOT/web" && WEB_URL="http://127.0.0.1:$WEB" CLOCK_FILE="$DIR/clock" MOTO_URL="http://127.0.0.1:$MOTO" npx playwright test)
