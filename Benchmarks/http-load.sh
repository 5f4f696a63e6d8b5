# Sourced by compare-http.sh and compare-vapor.sh: the one way both load a
# server on loopback and run Django's per-site cache beside it.
#   $here  the Benchmarks folder (set by the caller)
# Defines $work (a temporary folder), $pids (killed on exit), and:
#   install_django          django==5.2.19 and gunicorn into $work/py
#   wait_up PORT            until /page answers
#   load PORT               "requests/s p99-microseconds" (wrk, 1 thread, 32 connections, 10 s)
#   load_paced PORT         the same, each connection waiting 1.5 ms after a
#                           response before its next request (wrk's delay()):
#                           a load both servers carry at about the same rate
#   start_isolated MODE PORT  the caller's $server on CPU 0 alone, one event loop
#   load_isolated PORT      `load` with wrk on CPU 1 alone: server and load
#                           generator never take each other's time slices
#   start_django PORT       Django's per-site cache under gunicorn, 2 workers
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "$(basename "$0"): wrk is needed (apt-get install -y wrk)" >&2; exit 1; }

install_django() {
    echo "installing django==5.2.19 and gunicorn into a temporary folder..." >&2
    python3 -m pip install --quiet --target "$work/py" django==5.2.19 gunicorn >&2
}
wait_up() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/page" && return 0; sleep 0.1; done; echo "nothing on port $1" >&2; return 1; }
load() {
    curl -s -o /dev/null "http://127.0.0.1:$1/page"; curl -s -o /dev/null "http://127.0.0.1:$1/page"
    # shellcheck disable=SC2086 # WRK_CPU set: "taskset -c N", split in words
    ${WRK_CPU:+taskset -c $WRK_CPU} wrk -t1 -c32 -d10s --latency "${@:2}" "http://127.0.0.1:$1/page" | awk '
        function us(v) { if (v ~ /ms$/) return v * 1000; if (v ~ /us$/) return v + 0; if (v ~ /s$/) return v * 1000000; return v + 0 }
        /Requests\/sec/ { rps = int($2) }
        $1 == "99%" { p99 = us($2) }
        END { printf "%d %d\n", rps, p99 }'
}
start_isolated() {
    BENCH_EVENT_LOOPS=1 taskset -c 0 "$server" "$1" "$2" & pids+=($!)
    wait_up "$2"
}
load_isolated() { WRK_CPU=1 load "$1"; }
load_paced() {
    echo 'delay = function() return 1.5 end' > "$work/paced.lua"
    load "$1" -s "$work/paced.lua"
}
start_django() {
    (cd "$here/http" && PYTHONPATH="$work/py:$here/http" exec python3 -m gunicorn -w 2 -b "127.0.0.1:$1" --log-level warning django_site:application) & pids+=($!)
    wait_up "$1"
}
