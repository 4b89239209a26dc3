#!/usr/bin/env bash
# `make clock [AT=...]`: shows or moves the local stack's clock (the
# functions, mint-token and the local OIDC provider all read it). AT is an
# instant `date -d` understands (2027-01-01T01:00:00Z, "+32 days") or
# `now` to put the clock back. The stack keeps running: the next request
# sees the new time. CLOCK_FILE as `make dev` sets it (.local/clock).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FILE="${CLOCK_FILE:-$ROOT/.local/clock}"
offset() { local o; o=$(cat "$FILE" 2>/dev/null || true); echo "${o:-0}"; }
if [ -n "${AT:-}" ]; then
  mkdir -p "$(dirname "$FILE")"
  if [ "$AT" = "now" ]; then
    echo 0 >"$FILE"
  else
    # Relative instants ("+32 days") count from the stack's time, not the system's.
    case "$AT" in
      [+-]*) spec="$(date -u -d "@$(( $(date -u +%s) + $(offset) ))" +%FT%TZ) $AT" ;;
      *) spec="$AT" ;;
    esac
    target=$(date -u -d "$spec" +%s) \
      || { echo "AT must be an instant date understands, such as 2027-01-01T01:00:00Z or '+32 days', or now" >&2; exit 2; }
    echo $(( target - $(date -u +%s) )) >"$FILE"
  fi
fi
echo "stack clock: $(date -u -d "@$(( $(date -u +%s) + $(offset) ))" +%FT%TZ) (offset $(offset) s, $FILE)"
