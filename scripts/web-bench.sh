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
trap stop_web_stack EXIT; trap "exit 143" INT TERM
start_web_stack "$DIR" 8240 5240 9240 9241 8290 >&2
# The dashboard's business: 50 partnerships and 10,000 transactions recorded
# through the recording service, straight into this stack's table.
log "seeding the dashboard: 50 partnerships, 10,000 transactions" >&2
(export_stack_env 8240 5240 local && export CLOCK_FILE="$DIR/clock" \
  && cargo run -q -p integration-tests --bin seed-dashboard -- --owner dash-owner --business dash-bench --partners 50 --transactions 10000) >&2
log "measuring the web app in Chromium" >&2
(cd "$ROOT/web" && WEB_URL=http://127.0.0.1:8290 DASH_USER=dash-owner node bench/page-load.mjs "$OUT/web.json" >/dev/null)
python3 - "$OUT/web.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
kb = lambda n: f"{n / 1024:.1f}"
s = r["sizes"]
print("### 7. The web app (production build, `vite preview` with `/api` proxied to `cargo lambda watch`, Chromium " + r["chromium"] + ")\n")
print("| shipped | gzip KiB | raw KiB |\n| --- | ---: | ---: |")
print(f"| JavaScript, every page (the entry) | {kb(s['jsEntry']['gzip'])} | {kb(s['jsEntry']['raw'])} |")
print(f"| JavaScript, all (with the chart and QR code, loaded by their screens only) | {kb(s['js']['gzip'])} | {kb(s['js']['raw'])} |")
print(f"| CSS | {kb(s['css']['gzip'])} | {kb(s['css']['raw'])} |\n")
print("Time to a usable page: a signed-in owner's full load of the page, from the navigation's start to its data on screen (`performance.now()` in the page when the first partner card, or the first group of partnerships, is in the DOM; the dashboard is a business seeded with 50 live partnerships and 10,000 transactions recorded through the recording service). First load apart (functions starting cold); then the median and slowest of the next runs. Goal: under 2,000 ms.\n")
print("| page | first load ms | median ms | slowest ms | runs | requests per load |\n| --- | ---: | ---: | ---: | ---: | ---: |")
for name in ("dashboard", "directory", "partnerships"):
    p = r[name]
    label = f"dashboard ({p['cards']} partner cards, {p['transactions']:,} transactions behind them)" if name == "dashboard" else name
    print(f"| {label} | {p['first']} | {p['median']} | {p['slowest']} | {p['runs']} | {p['requests']} |")
PY
