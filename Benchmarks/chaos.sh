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
# Backends: redis, memcached and postgres, on servers of the script's own
# (free ports; PostgreSQL is a private cluster made with initdb, run as the
# `postgres` user), and sqlite. A PostgreSQL kill is SIGKILL of the postmaster
# and its backends (a crashed server), then a restart; its hang is SIGSTOP of
# the postmaster and its backends. SQLite has no server: its fault is the
# database's directory made unreachable (chmod 000, then back; "kill" and
# "hang" are the same case, reported as fault "unreachable"), with the demo
# run as `nobody` so that the permissions apply.
# CHAOS_CONFIGURATION=debug skips the release build (for trying the script out;
# the figures then mean nothing); CHAOS_BACKENDS="redis" limits the backends;
# CHAOS_VERBOSE=1 prints each slice (phase, requests, failed, p99, max);
# CHAOS_EXTRA_OPTIONS adds options to every backend's (e.g.
# '"breakerThreshold": 1'); CHAOS_SCRATCH names the build directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
# Readable by the users the PostgreSQL server and the SQLite demo run as.
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        for each in $(server_pids "$pid"); do kill -CONT "$each" 2>/dev/null || true; kill -9 "$each" 2>/dev/null || true; done
    done
    [ -d "$work/sqlite" ] && chmod 755 "$work/sqlite"
    rm -rf "$work"
}
# A server's processes: its pid and its children (PostgreSQL's backends).
server_pids() { echo "$1"; ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true; }
trap cleanup EXIT
configuration=${CHAOS_CONFIGURATION:-release}
outage=${CHAOS_OUTAGE:-4}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install -y wrk)" >&2; exit 1; }

# CHAOS_SCRATCH: the build directory (default .build), so that a release
# build can sit beside a debug one that tests are using.
scratch=${CHAOS_SCRATCH:-$root/.build}
if [ "$configuration" = release ]; then
    echo "building caching-demo (release)..." >&2
    swift build -c release --enable-all-traits --package-path "$root" --scratch-path "$scratch" --product caching-demo >&2
fi
demo="$scratch/$configuration/caching-demo"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "nothing on port $1" >&2; return 1; }
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
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
# A private PostgreSQL cluster, made once per run; the server runs as the
# `postgres` user (PostgreSQL refuses root), exec'd by setpriv so that $! is
# the postmaster.
start_postgres() {
    local data="$work/pg/data"
    if [ ! -f "$data/PG_VERSION" ]; then
        [ -n "$pg_bin" ] || { echo "PostgreSQL not installed (/usr/lib/postgresql/*/bin)" >&2; return 1; }
        mkdir -p "$data"; chown -R postgres:postgres "$work/pg"; chmod 700 "$data"
        setpriv --reuid=postgres --regid=postgres --init-groups "$pg_bin/initdb" -D "$data" -A trust -U postgres >"$work/initdb.log" 2>&1
    fi
    setpriv --reuid=postgres --regid=postgres --init-groups "$pg_bin/postgres" -D "$data" -p "$1" -k "$work/pg" \
        -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100 >"$work/postgres-$1.log" 2>&1 &
    echo $!
}
# SQLite has no server: a directory for its file, owned by the demo's user.
start_sqlite() {
    mkdir -p "$work/sqlite"; chown nobody "$work/sqlite"; chmod 755 "$work/sqlite"
    echo ""
}
location() {
    case $1 in
        redis) echo "redis://127.0.0.1:$2/0" ;;
        memcached) echo "127.0.0.1:$2" ;;
        postgres|sqlite) echo "chaos_cache" ;;
    esac
}
# The backend's options besides failureMode (CHAOS_EXTRA_OPTIONS, JSON
# members such as `"breakerThreshold": 1`, are added to every backend's).
backend_options() {
    extra_options
    case $1 in
        redis|memcached) echo '"timeout": 0.1' ;;
        postgres) echo "\"timeout\": 0.1, \"createTable\": true, \"url\": \"postgres://postgres:chaos@127.0.0.1:$2/postgres\"" ;;
        sqlite) echo "\"path\": \"$work/sqlite/cache.sqlite3\"" ;;
    esac
}
extra_options() { [ -n "${CHAOS_EXTRA_OPTIONS:-}" ] && echo "$CHAOS_EXTRA_OPTIONS," || true; }
# The fault, and the server's return: kill (SIGKILL of every process of the
# server; restarted by resume), hang (SIGSTOP; SIGCONT), or for sqlite the
# directory made unreachable.
stopped=()
inject() {
    local backend=$1 fault=$2 pid=$3
    if [ "$backend" = sqlite ]; then chmod 000 "$work/sqlite"; return; fi
    stopped=($(server_pids "$pid"))
    if [ "$fault" = kill ]; then kill -9 "${stopped[@]}"; else kill -STOP "${stopped[@]}"; fi
}
# Prints the server's pid once it is back (the same one after a hang).
resume() {
    local backend=$1 fault=$2 pid=$3 port=$4
    if [ "$backend" = sqlite ]; then chmod 755 "$work/sqlite"; echo ""; return; fi
    if [ "$fault" = kill ]; then
        # The killed processes must be gone before a new server takes the port
        # (PostgreSQL also refuses while an old backend holds shared memory).
        for each in "${stopped[@]}"; do while kill -0 "$each" 2>/dev/null; do sleep 0.01; done; done
        start_$backend "$port"
    else
        kill -CONT "${stopped[@]}"
        echo "$pid"
    fi
}

# One case: backend, fault (kill|hang), page name, path.
run_case() {
    local backend=$1 fault=$2 page=$3 path=$4
    local server_port demo_port server_pid demo_pid
    server_port=$(free_port)
    server_pid=$(start_$backend "$server_port")
    if [ -n "$server_pid" ]; then
        pids+=("$server_pid")
        wait_port "$server_port"
    fi
    cat >"$work/settings.json" <<JSON
{ "caches": { "default": { "backend": "$backend", "location": "$(location "$backend" "$server_port")",
  "options": { "failureMode": "miss", $(backend_options "$backend" "$server_port") } } } }
JSON
    demo_port=$(free_port)
    local as_user=()
    # As root, chmod 000 would not stop the demo reaching the SQLite file.
    [ "$backend" = sqlite ] && [ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    "${as_user[@]}" "$demo" --port "$demo_port" --settings "$work/settings.json" >"$work/demo.log" 2>&1 &
    demo_pid=$!
    pids+=("$demo_pid")
    wait_port "$demo_port"
    local url="http://127.0.0.1:$demo_port$path"
    curl -s -o /dev/null "$url"
    : >"$work/slices"
    slice() { wrk -t1 -c16 -d1s -s "$work/slice.lua" "$url" 2>/dev/null | tail -1 | sed "s/^/$1 /" >>"$work/slices"; }
    slice before; slice before
    inject "$backend" "$fault" "$server_pid"
    for _ in $(seq "$outage"); do slice outage; done
    server_pid=$(resume "$backend" "$fault" "$server_pid" "$server_port")
    if [ -n "$server_pid" ]; then
        pids+=("$server_pid")
        wait_port "$server_port"
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
    local fault_name=$fault
    [ "$backend" = sqlite ] && fault_name=unreachable
    awk -v name="chaos-$backend-$fault_name-$page" -v recover="${recovered:-never}" '
        { requests += $2; failed += $3 }
        $1 == "outage" { n++; if ($5 > max) max = $5; if (n > 1 && $4 > p99) p99 = $4 }
        END { printf "%s: requests=%d failed=%d p99_ms=%.1f max_ms=%.1f recover_ms=%s\n", name, requests, failed, p99, max, recover }
    ' "$work/slices"
    if [ -n "${CHAOS_VERBOSE:-}" ]; then sed 's/^/    slice: /' "$work/slices" >&2; fi
    kill "$demo_pid" 2>/dev/null || true
    if [ -n "$server_pid" ]; then
        local each gone=($(server_pids "$server_pid"))
        for each in "${gone[@]}"; do kill -CONT "$each" 2>/dev/null || true; kill -9 "$each" 2>/dev/null || true; done
        # The next case's server reuses the data directory (PostgreSQL refuses
        # to start while an old process still holds its shared memory).
        for each in "${gone[@]}"; do while kill -0 "$each" 2>/dev/null; do sleep 0.01; done; done
    fi
    wait 2>/dev/null || true
    # Everything of this case is gone: forget its pids (never signal a reused one).
    pids=()
    [ -d "$work/sqlite" ] && chmod 755 "$work/sqlite"
    rm -rf "$work/sqlite"
}

for backend in ${CHAOS_BACKENDS:-redis memcached postgres sqlite}; do
    faults=${CHAOS_FAULTS:-kill hang}
    # SQLite has one fault (its directory unreachable).
    [ "$backend" = sqlite ] && faults=kill
    for fault in $faults; do
        run_case "$backend" "$fault" page-cache /site
        run_case "$backend" "$fault" getorset "/fibonacci?n=80"
    done
done
