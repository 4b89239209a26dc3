#!/usr/bin/env bash
# `make bench`'s web part (also alone: bash scripts/web-bench.sh): the web
# app's production build on its own `make dev` (ports 8240/5240/9240/9241/
# 8290, in memory), measured in Chromium by web/bench/page-load.mjs; writes
# target/bench/web.json and prints a markdown section (stdout).
source "$(dirname "$0")/lib.sh"
DIR="$ROOT/.local/web-bench"; rm -rf "$DIR"; mkdir -p "$DIR"
OUT="$ROOT/target/bench"; mkdir -p "$OUT"
ensure_tools >&2
ensure_chromium >&2
DEV=""
stop_dev() {
  [ -n "$DEV" ] || return 0
  kill -TERM -- "-$DEV" 2>/dev/null || true; wait "$DEV" 2>/dev/null || true; sleep 1; DEV=""
}
trap stop_dev EXIT; trap "exit 143" INT TERM
unset JWT_ISSUER JWT_AUDIENCE JWT_JWKS_URL
env DDB_PORT=8240 MOTO_PORT=5240 API_PORT=9240 JWKS_PORT=9241 WEB_PORT=8290 JWT_LOCAL_DIR="$DIR/jwt" \
  DEV_DATA_DIR= DEV_LOG_DIR="$DIR/logs" DEV_IGNORE_CHANGES=1 DEV_WEB=preview RUST_LOG=warn \
  setsid bash "$ROOT/scripts/dev.sh" >"$DIR/dev.log" 2>&1 &
DEV=$!
for _ in $(seq 1 3000); do
  curl -sf -o /dev/null "http://127.0.0.1:8290/config.json" && curl -s -o /dev/null "http://127.0.0.1:9240/api/health" && break
  kill -0 "$DEV" 2>/dev/null || { tail -n 30 "$DIR/dev.log" >&2; exit 1; }
  sleep 0.2
done
log "measuring the web app in Chromium" >&2
(cd "$ROOT/web" && WEB_URL=http://127.0.0.1:8290 node bench/page-load.mjs "$OUT/web.json" >/dev/null)
python3 - "$OUT/web.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
kb = lambda n: f"{n / 1024:.1f}"
s = r["sizes"]
print("### 7. The web app (production build, `vite preview` with `/api` proxied to `cargo lambda watch`, Chromium " + r["chromium"] + ")\n")
print("| shipped | gzip KiB | raw KiB |\n| --- | ---: | ---: |")
print(f"| JavaScript | {kb(s['js']['gzip'])} | {kb(s['js']['raw'])} |\n| CSS | {kb(s['css']['gzip'])} | {kb(s['css']['raw'])} |\n")
print("Time to a usable page: a signed-in owner's full load of the page, from the navigation's start to its data on screen (`performance.now()` in the page when the first partner card, or the first group of partnerships, is in the DOM). First load apart (functions starting cold); then the median and slowest of the next runs. Goal: under 2,000 ms.\n")
print("| page | first load ms | median ms | slowest ms | runs | requests per load |\n| --- | ---: | ---: | ---: | ---: | ---: |")
for name in ("directory", "partnerships"):
    p = r[name]
    print(f"| {name} | {p['first']} | {p['median']} | {p['slowest']} | {p['runs']} | {p['requests']} |")
PY
