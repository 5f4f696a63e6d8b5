#!/usr/bin/env bash
# Chaos under load (issue 16, item 5): the demo on each network backend under
# `wrk -t1 -c16`, while the backend's server is killed (SIGKILL, then started
# again) or hung (SIGSTOP, then SIGCONT), on a page-cache page (/site) and on a
# getOrSet page (/fibonacci). Settings: failureMode "miss", timeout 0.1 s.
#
# wrk runs in one-second slices: 2 before the fault, CHAOS_OUTAGE (4) during
# it, 2 after. Prints one line per case:
#   chaos-<backend>-<fault>-<page>: requests=<n> failed=<non-2xx + socket errors>
#     p99_ms=<worst slice of the outage after its first> max_ms=<worst of the outage>
#     recover_ms=<from the server's return to the first page-cache HIT>
# Targets: failed=0, max_ms <= 150, p99_ms <= 5, recover_ms <= 1000 — for the
# page-cache page. The getOrSet page computes its value with a deliberate
# 500 ms delay (DemoSite.slowFibonacci), so during an outage, when every
# request computes, its latency is that delay plus the cache's share.
#
# Backends: redis and memcached, on servers of the script's own (free ports).
# CHAOS_CONFIGURATION=debug skips the release build (for trying the script out;
# the figures then mean nothing); CHAOS_BACKENDS="redis" limits the backends;
# CHAOS_VERBOSE=1 prints each slice (phase, requests, failed, p99, max).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
configuration=${CHAOS_CONFIGURATION:-release}
outage=${CHAOS_OUTAGE:-4}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install -y wrk)" >&2; exit 1; }

if [ "$configuration" = release ]; then
    echo "building caching-demo (release)..." >&2
    swift build -c release --package-path "$root" --product caching-demo >&2
fi
demo="$root/.build/$configuration/caching-demo"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "nothing on port $1" >&2; return 1; }
now_ms() { date +%s%3N; }

cat >"$work/slice.lua" <<'LUA'
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("%d %d %.3f %.3f\n", summary.requests,
        e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

# The server of a backend: start_<backend> <port> prints its pid.
start_redis() {
    redis-server --bind 127.0.0.1 --port "$1" --save "" --appendonly no >"$work/redis-$1.log" 2>&1 &
    echo $!
}
start_memcached() {
    local user=()
    [ "$(id -u)" = 0 ] && user=(-u root)
    memcached -l 127.0.0.1 -p "$1" -U 0 -m 64 "${user[@]}" >"$work/memcached-$1.log" 2>&1 &
    echo $!
}
location() {
    case $1 in
        redis) echo "redis://127.0.0.1:$2/0" ;;
        memcached) echo "127.0.0.1:$2" ;;
    esac
}

# One case: backend, fault (kill|hang), page name, path.
run_case() {
    local backend=$1 fault=$2 page=$3 path=$4
    local server_port demo_port server_pid demo_pid
    server_port=$(free_port)
    server_pid=$(start_$backend "$server_port")
    pids+=("$server_pid")
    wait_port "$server_port"
    cat >"$work/settings.json" <<JSON
{ "caches": { "default": { "backend": "$backend", "location": "$(location "$backend" "$server_port")",
  "options": { "failureMode": "miss", "timeout": 0.1 } } } }
JSON
    demo_port=$(free_port)
    "$demo" --port "$demo_port" --settings "$work/settings.json" >"$work/demo.log" 2>&1 &
    demo_pid=$!
    pids+=("$demo_pid")
    wait_port "$demo_port"
    local url="http://127.0.0.1:$demo_port$path"
    curl -s -o /dev/null "$url"
    : >"$work/slices"
    slice() { wrk -t1 -c16 -d1s -s "$work/slice.lua" "$url" 2>/dev/null | tail -1 | sed "s/^/$1 /" >>"$work/slices"; }
    slice before; slice before
    if [ "$fault" = kill ]; then kill -9 "$server_pid"; else kill -STOP "$server_pid"; fi
    for _ in $(seq "$outage"); do slice outage; done
    local back
    if [ "$fault" = kill ]; then
        server_pid=$(start_$backend "$server_port")
        pids+=("$server_pid")
        wait_port "$server_port"
    else
        kill -CONT "$server_pid"
    fi
    back=$(now_ms)
    # Recovery: the first HIT of the page-cache page once the server is back.
    local recovered=""
    for _ in $(seq 500); do
        if curl -s -D - -o /dev/null "http://127.0.0.1:$demo_port/site" | grep -qi '^x-cache: *hit'; then
            recovered=$(( $(now_ms) - back )); break
        fi
        sleep 0.01
    done
    slice after; slice after
    awk -v name="chaos-$backend-$fault-$page" -v recover="${recovered:-never}" '
        { requests += $2; failed += $3 }
        $1 == "outage" { n++; if ($5 > max) max = $5; if (n > 1 && $4 > p99) p99 = $4 }
        END { printf "%s: requests=%d failed=%d p99_ms=%.1f max_ms=%.1f recover_ms=%s\n", name, requests, failed, p99, max, recover }
    ' "$work/slices"
    if [ -n "${CHAOS_VERBOSE:-}" ]; then sed 's/^/    slice: /' "$work/slices" >&2; fi
    kill "$demo_pid" 2>/dev/null || true
    kill -CONT "$server_pid" 2>/dev/null || true
    kill -9 "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
}

for backend in ${CHAOS_BACKENDS:-redis memcached}; do
    for fault in ${CHAOS_FAULTS:-kill hang}; do
        run_case "$backend" "$fault" page-cache /site
        run_case "$backend" "$fault" getorset "/fibonacci?n=80"
    done
done
