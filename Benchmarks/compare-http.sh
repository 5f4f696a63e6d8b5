#!/usr/bin/env bash
# Side by side, in one run, on loopback: a 2 KB page from (a) a plain
# Hummingbird route, (b) the same route behind swift-caching's site-wide cache
# (all hits, answered at the connection), and (c) Django 5.2.19's per-site
# cache under gunicorn with 2 workers. Load: wrk, 1 thread, 32 connections,
# 10 s each; (a) and (b) best of three interleaved rounds.
# Prints `<name>: ours=<x> peer=<y> ratio=<r>`. Targets: b/a >= 1.2,
# b/django >= 12, and p99 latency plain/cached >= 1 (the line prints
# ours=cached p99 and peer=plain p99 in microseconds, ratio=peer/ours so that
# a larger ratio is better).
#
# The p99 line compares the two at the same load: wrk as above, but each
# connection waits 1.5 ms after a response before its next request (about
# 17,000 requests/s to either server; the cached one, answering sooner, gets
# slightly more), lowest p99 of three rounds a side. Why not the p99 of the
# saturating runs: there wrk and the server share this machine's 2 cores,
# and the cached server carries about 40 % more requests/s, so wrk is busier
# (about 50 % of a core against 40 %) and both are preempted more; the p99
# there is mostly scheduler time slices (1.8-5.7 ms for cached, 1.8-6.0 ms
# for plain, over 7 runs each on 2026-12-04), while at equal load the cached
# p99 was below the plain one in every round. That comparison is still
# printed, as http-cached-p99-vs-plain-p99-saturated (from the best-rate run
# of each side). The tail at saturation comes from that sharing, not from the
# hit path: the -isolated lines run each server on CPU 0 alone with one event
# loop and wrk on CPU 1 alone (three rounds a side, best rate and lowest p99),
# and there the cached server carried 1.7x the plain one's requests/s at a
# p99 1.3-1.6x lower (2026-12-04, by hand). Pinned to one core with the
# default two event loops, the cached p99 was 4.8 ms against 2.6 ms: a
# connection waited out the other busy loop's time slice.
# http-cached-metrics-on-vs-off: the cached hit rate
# with metrics recorded into swift-prometheus (ours) vs swift-metrics' no-op
# default (peer), best of 3 alternating runs each; target >= 0.95.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/http-load.sh"
. "$here/peers.sh"

echo "building http-bench-server (release)..." >&2
swift build -c release --package-path "$here/http" --scratch-path "$here/http/.build-release" >&2
server="$here/http/.build-release/release/http-bench-server"

install_django

# Plain and cached: three rounds each, interleaved, best of each (and the
# p99 of that run), as side_by_side in peers.sh: single 10 s runs of one
# binary spread by ±10 % here, enough to decide a ratio near its target.
# Each server also carries the paced load, right after its saturating run.
plain=0 plain_p99=0 cached=0 cached_p99=0 plain_paced_p99=0 cached_paced_p99=0
lowest() { if (( $1 == 0 || $2 < $1 )); then echo "$2"; else echo "$1"; fi; }
for round in 1 2 3; do
    "$server" plain 18091 & pids+=($!); wait_up 18091
    read -r rate p99 <<<"$(load 18091)"
    if (( rate > plain )); then plain=$rate plain_p99=$p99; fi
    read -r _ p99 <<<"$(load_paced 18091)"; kill "${pids[-1]}"
    plain_paced_p99=$(lowest "$plain_paced_p99" "$p99")
    "$server" cached 18092 & pids+=($!); wait_up 18092
    read -r rate p99 <<<"$(load 18092)"
    if (( rate > cached )); then cached=$rate cached_p99=$p99; fi
    read -r _ p99 <<<"$(load_paced 18092)"; kill "${pids[-1]}"
    cached_paced_p99=$(lowest "$cached_paced_p99" "$p99")
done

# Isolated: server and wrk on a core each (start_isolated, load_isolated).
plain_isolated=0 cached_isolated=0 plain_isolated_p99=0 cached_isolated_p99=0
for round in 1 2 3; do
    start_isolated plain 18081
    read -r rate p99 <<<"$(load_isolated 18081)"; kill "${pids[-1]}"
    if (( rate > plain_isolated )); then plain_isolated=$rate; fi
    plain_isolated_p99=$(lowest "$plain_isolated_p99" "$p99")
    start_isolated cached 18082
    read -r rate p99 <<<"$(load_isolated 18082)"; kill "${pids[-1]}"
    if (( rate > cached_isolated )); then cached_isolated=$rate; fi
    cached_isolated_p99=$(lowest "$cached_isolated_p99" "$p99")
done

# Metrics on vs off, alternating (on, off, on, off, on, off), best of three
# each: on a shared machine a burst of load from elsewhere during one run
# would otherwise decide the ratio. (Not seeded with the rounds above: each
# side gets the same number of tries.)
metrics_on=0
metrics_off=0
for port in 18094 18095 18096 18097 18098 18099; do
    if (( port % 2 == 0 )); then mode=cached-metrics; else mode=cached; fi
    "$server" "$mode" "$port" & pids+=($!); wait_up "$port"
    read -r rate _ <<<"$(load "$port")"; kill "${pids[-1]}"
    if [ "$mode" = cached-metrics ]; then
        if (( rate > metrics_on )); then metrics_on=$rate; fi
    else
        if (( rate > metrics_off )); then metrics_off=$rate; fi
    fi
done

start_django 18093
read -r django _ <<<"$(load 18093)"

ratio_line http-cached-vs-plain-2kb "$cached" "$plain"
ratio_line http-cached-vs-django-2kb "$cached" "$django"
awk -v o="$cached_paced_p99" -v p="$plain_paced_p99" 'BEGIN { printf "http-cached-p99-vs-plain-p99: ours=%d peer=%d ratio=%.2f\n", o, p, (o > 0 ? p / o : 0) }'
awk -v o="$cached_p99" -v p="$plain_p99" 'BEGIN { printf "http-cached-p99-vs-plain-p99-saturated: ours=%d peer=%d ratio=%.2f\n", o, p, (o > 0 ? p / o : 0) }'
ratio_line http-cached-vs-plain-2kb-isolated "$cached_isolated" "$plain_isolated"
awk -v o="$cached_isolated_p99" -v p="$plain_isolated_p99" 'BEGIN { printf "http-cached-p99-vs-plain-p99-isolated: ours=%d peer=%d ratio=%.2f\n", o, p, (o > 0 ? p / o : 0) }'
ratio_line http-cached-metrics-on-vs-off "$metrics_on" "$metrics_off"
