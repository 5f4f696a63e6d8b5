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
source "$here/http-load.sh"

echo "building vapor-bench-server (release)..." >&2
swift build -c release --package-path "$here/vapor-bench" --scratch-path "$here/vapor-bench/.build-release" >&2
server="$here/vapor-bench/.build-release/release/vapor-bench-server"

install_django

"$server" plain 18191 & pids+=($!); wait_up 18191
read -r plain _ <<<"$(load 18191)"; kill "${pids[-1]}"

"$server" cached 18192 & pids+=($!); wait_up 18192
read -r cached _ <<<"$(load 18192)"; kill "${pids[-1]}"

start_django 18193
read -r django _ <<<"$(load 18193)"

awk -v o="$cached" -v p="$plain" 'BEGIN { printf "vapor-cached-vs-plain-2kb: ours=%d peer=%d ratio=%.2f\n", o, p, o / p }'
awk -v o="$cached" -v p="$django" 'BEGIN { printf "vapor-cached-vs-django-2kb: ours=%d peer=%d ratio=%.2f\n", o, p, o / p }'
