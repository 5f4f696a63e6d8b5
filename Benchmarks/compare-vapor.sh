#!/usr/bin/env bash
# Side by side, in one run, on loopback: a 2 KB page from (a) a plain Vapor 4
# route, (b) the same route behind VaporCaching's site-wide cache
# (CachingMiddleware, django mode, all hits), and (c) Django 5.2.19's per-site
# cache under gunicorn with 2 workers (the same Django site as compare-http.sh).
# Load: wrk, 1 thread, 32 connections, 10 s each — as compare-http.sh.
# Prints `<name>: ours=<req/s> peer=<req/s> ratio=<r>`. Targets: b/a >= 0.9,
# b/django >= 8.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "compare-vapor: wrk is needed (apt-get install -y wrk)" >&2; exit 1; }

echo "building vapor-bench-server (release)..." >&2
swift build -c release --package-path "$here/vapor-bench" --scratch-path "$here/vapor-bench/.build-release" >&2
server="$here/vapor-bench/.build-release/release/vapor-bench-server"

echo "installing django==5.2.19 and gunicorn into a temporary folder..." >&2
python3 -m pip install --quiet --target "$work/py" django==5.2.19 gunicorn >&2

wait_up() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/page" && return 0; sleep 0.1; done; echo "nothing on port $1" >&2; return 1; }
load() { # port -> requests/s
    curl -s -o /dev/null "http://127.0.0.1:$1/page"; curl -s -o /dev/null "http://127.0.0.1:$1/page"
    wrk -t1 -c32 -d10s "http://127.0.0.1:$1/page" | awk '/Requests\/sec/ {print int($2)}'
}

"$server" plain 18191 & pids+=($!); wait_up 18191
plain=$(load 18191); kill "${pids[-1]}"

"$server" cached 18192 & pids+=($!); wait_up 18192
cached=$(load 18192); kill "${pids[-1]}"

(cd "$here/http" && PYTHONPATH="$work/py:$here/http" exec python3 -m gunicorn -w 2 -b 127.0.0.1:18193 --log-level warning django_site:application) & pids+=($!)
wait_up 18193
django=$(load 18193)

awk -v o="$cached" -v p="$plain" 'BEGIN { printf "vapor-cached-vs-plain-2kb: ours=%d peer=%d ratio=%.2f\n", o, p, o / p }'
awk -v o="$cached" -v p="$django" 'BEGIN { printf "vapor-cached-vs-django-2kb: ours=%d peer=%d ratio=%.2f\n", o, p, o / p }'
