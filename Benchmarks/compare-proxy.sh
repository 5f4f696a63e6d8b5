#!/usr/bin/env bash
# Side by side, in one run: Varnish (default VCL, -s malloc,64m) and
# caching-proxy (release build) in front of the same origin serving a cacheable
# 2 KB page; each loaded with wrk (1 thread, 32 connections, 10 s, all hits),
# three rounds a side, interleaved, best of each (as side_by_side in peers.sh:
# single 10 s runs of the same binary spread 0.85-1.03 here).
# Prints `proxy-hit-2kb: ours=<req/s> peer=<req/s> ratio=<r>`. Target >= 1.0
# (fresh hits answered at the connection from the hot tier).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/peers.sh"
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
chmod 755 "$work"   # varnishd's workers run as their own users
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    pkill -f "varnishd.*$work" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "compare-proxy: wrk is needed (apt-get install -y wrk)" >&2; exit 1; }
command -v varnishd >/dev/null || [ -x /usr/sbin/varnishd ] || { echo "compare-proxy: varnish is needed (apt-get install -y varnish)" >&2; exit 1; }

echo "building caching-proxy and http-bench-server (release)..." >&2
swift build -c release --package-path "$root" --scratch-path "$root/.build-release" --product caching-proxy >&2
swift build -c release --package-path "$here/http" --scratch-path "$here/http/.build-release" >&2

wait_up() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/page" && return 0; sleep 0.1; done; echo "nothing on port $1" >&2; return 1; }
load() {
    curl -s -o /dev/null "http://127.0.0.1:$1/page"; curl -s -o /dev/null "http://127.0.0.1:$1/page"
    wrk -t1 -c32 -d10s "http://127.0.0.1:$1/page" | awk '/Requests\/sec/ {print int($2)}'
}

"$here/http/.build-release/release/http-bench-server" origin 18094 & pids+=($!)
wait_up 18094

/usr/sbin/varnishd -a 127.0.0.1:18095 -b 127.0.0.1:18094 -s malloc,64m -n "$work/varnish" -F >/dev/null 2>&1 & pids+=($!)
wait_up 18095
"$root/.build-release/release/caching-proxy" --listen 127.0.0.1:18096 --upstream http://127.0.0.1:18094 >/dev/null 2>&1 & pids+=($!)
wait_up 18096

varnish=0
ours=0
for round in 1 2 3; do
    rate=$(load 18095); [ "$rate" -gt "$varnish" ] && varnish=$rate
    rate=$(load 18096); [ "$rate" -gt "$ours" ] && ours=$rate
done

ratio_line proxy-hit-2kb "$ours" "$varnish"
