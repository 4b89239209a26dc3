#!/usr/bin/env bash
# `make bench`: release builds, then artifact sizes, cold starts, warm
# latency under load, DynamoDB cost per operation and the monthly batch job,
# then the web app (JS/CSS shipped, time to a usable page in Chromium),
# on a stack of its own (ports 8200/5200/9200, so `make dev` can keep
# running). Writes target/bench/results.json and adds the run's tables to
# docs/benchmarks.md. Never part of `make test`: it measures, it does not
# assert.
#
# BENCH_TRACE=<function> make bench: instead of the full run, one cold start
# of that function with RUST_LOG=trace, kept in target/bench/trace-<function>.log.
source "$(dirname "$0")/lib.sh"

DDB_PORT=${BENCH_DDB_PORT:-8200}
MOTO_PORT=${BENCH_MOTO_PORT:-5200}
export BENCH_API_PORT=${BENCH_API_PORT:-9200}
LOG_DIR="$ROOT/.local/bench-logs"; mkdir -p "$LOG_DIR"
OUT="$ROOT/target/bench"; mkdir -p "$OUT"
# A signal stops what was started and ends the script (a trap alone would
# carry on after it, with the stack gone).
trap stop_all EXIT; trap "exit 143" INT TERM
started=$(date +%s)

ensure_tools
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk (apt)"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

# 1. The deployable artifacts: arm64 zips as SAM uploads them. Without the
#    aarch64 standard library (rustup could not fetch it) the x86_64 ones
#    are measured instead, and the report says so.
arch=arm64
if ! rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$'; then
  rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || arch=x86_64
fi
log "building the $arch artifacts (cargo lambda build --release)"
if [ "$arch" = arm64 ]; then
  cargo lambda build --release --arm64 --locked -p functions --output-format zip
else
  cargo lambda build --release --x86-64 --locked -p functions --output-format zip
fi
"$VENV/bin/python" - "$ROOT/target/lambda" "$OUT/sizes.json" "$arch" <<'PY'
import json, pathlib, sys, zipfile
root, out, arch = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
sizes = {}
for z in sorted(root.glob("*/bootstrap.zip")):
    with zipfile.ZipFile(z) as f:
        sizes[z.parent.name] = {"zipped": z.stat().st_size, "unzipped": sum(i.file_size for i in f.infolist()), "arch": arch}
json.dump(sizes, open(out, "w"), indent=1)
PY

# `make package` on the same arm64 build: SAM's rust-cargolambda method
# reuses it, so every bench run proves the deployable package builds.
log "sam build (make package) into .aws-sam/build"
sam build --beta-features --template-file "$ROOT/infra/template.yaml" --build-dir "$ROOT/.aws-sam/build" --parallel >"$LOG_DIR/sam-build.log" 2>&1 \
  || { log "sam build failed: see $LOG_DIR/sam-build.log"; exit 1; }

# The peer measured beside us: Node.js 20 with the AWS SDK for JavaScript
# v3, from the npm registry into an ignored folder.
log "installing the Node.js peer (npm ci in scripts/bench/node-peer)"
(cd "$ROOT/scripts/bench/node-peer" && npm ci --no-audit --no-fund --silent)

# 2-5 run on native release binaries (the same profile).
log "building the native release binaries"
cargo build --release --locked -p functions
cargo build --release --locked -p integration-tests --bin bench --bin bench-floor --bin provision-local-stack

start_dynamodb "$DDB_PORT"
start_moto "$MOTO_PORT"
export_stack_env "$DDB_PORT" "$MOTO_PORT" bench
"$ROOT/target/release/provision-local-stack" >/dev/null

log "measuring (target/release/bench)"
status=0
rm -f "$OUT/report.md"
"$ROOT/target/release/bench" || status=$?

# The web app: sizes shipped and time to a usable page, on its own stack.
log "measuring the web app (scripts/web-bench.sh)"
if [ -f "$OUT/report.md" ]; then
  { echo; bash "$ROOT/scripts/web-bench.sh"; } >>"$OUT/report.md" || status=$?
fi

# Newest run first, under the marker line of docs/benchmarks.md.
if [ -f "$OUT/report.md" ]; then
  "$VENV/bin/python" - "$ROOT/docs/benchmarks.md" "$OUT/report.md" "$arch" <<'PY'
import sys
doc, report, arch = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
if arch != "arm64":
    report = report.replace("(arm64 `bootstrap`, `cargo lambda build --release --arm64`)", "(x86_64 `bootstrap`: the aarch64 target could not be installed)")
marker = "<!-- runs: newest first; make bench adds one here -->"
text = open(doc).read()
if marker not in text:
    text += "\n" + marker + "\n"
text = text.replace(marker, marker + "\n\n" + report.rstrip() + "\n", 1)
open(doc, "w").write(text)
PY
fi
log "done in $(( $(date +%s) - started )) s: target/bench/results.json, docs/benchmarks.md"
exit $status
