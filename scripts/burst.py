"""A browser-sized burst against `make dev`, then a normal request.

Usage: burst.py BASE_URL [N]

Sends N (default 115) concurrent requests spread over every route of the
emulator's router (Cargo.toml), so dozens of functions start at once, as
when a new user's browser opens the app; then asks GET /api/health, which
must be answered. Every burst request must get an HTTP answer (any status:
most are refused for want of a token, which is fine): a hang or a dropped
connection fails. Exit 0 when all is answered.
"""
import concurrent.futures
import json
import re
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def routes():
    router = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["metadata"]["lambda"]["watch"]["router"]
    out = []
    for path, targets in router.items():
        concrete = re.sub(r":periodStart", "2026-01-01", path)
        concrete = re.sub(r":[A-Za-z]+", "x", concrete)
        out.extend((t["method"], concrete, t["function"]) for t in targets)
    return out


def call(base, method, path, timeout):
    data = b"{}" if method in ("POST", "PUT", "PATCH") else None
    req = urllib.request.Request(base + path, method=method, data=data, headers={"content-type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, time.monotonic() - started
    except urllib.error.HTTPError as e:
        return e.code, time.monotonic() - started
    except Exception as e:  # a hang or a dropped connection
        return type(e).__name__, time.monotonic() - started


def main():
    base, n = sys.argv[1].rstrip("/"), int(sys.argv[2]) if len(sys.argv) > 2 else 115
    table = routes()
    picks = [table[i % len(table)] for i in range(n)]
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        results = list(pool.map(lambda r: call(base, r[0], r[1], 600), picks))
    statuses = Counter(status for status, _ in results)
    functions = len({f for _, _, f in picks})
    print(f"burst: {n} requests over {functions} functions: {dict(statuses)}, slowest {max(s for _, s in results):.1f} s")
    unanswered = [(p, s) for p, (s, _) in zip(picks, results) if not isinstance(s, int) or s >= 500 and s != 503]
    status, _ = call(base, "GET", "/api/health", 60)
    print(f"then GET /api/health: {status}")
    if unanswered:
        print("unanswered or failed:", json.dumps(unanswered[:10]))
    return 0 if not unanswered and status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
