#!/usr/bin/env bash
# Side by side, in one run, on loopback: a 2 KB page from (a) a plain
# Hummingbird route, (b) the same route behind swift-caching's site-wide cache
# (all hits, answered at the connection), and (c) Django 5.2.19's per-site
# cache under gunicorn with 2 workers. Load: wrk, 1 thread, 32 connections,
# 10 s each; (a) and (b) best of three interleaved rounds.
# Prints `<name>: ours=<x> peer=<y> ratio=<r>`. Targets: b/a >= 1.2,
# b/django >= 12, and p99 latency plain/cached >= 1 (the line prints
# ours=cached p99 and peer=plain p99 in microseconds, ratio=peer/ours so that
# a larger ratio is better). http-cached-metrics-on-vs-off: the cached hit rate
# with metrics recorded into swift-prometheus (ours) vs swift-metrics' no-op
# default (peer), best of 3 alternating runs each; target >= 0.95.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/http-load.sh"

echo "building http-bench-server (release)..." >&2
swift build -c release --package-path "$here/http" --scratch-path "$here/http/.build-release" >&2
server="$here/http/.build-release/release/http-bench-server"

install_django

# Plain and cached: three rounds each, interleaved, best of each (and the
# p99 of that run), as side_by_side in peers.sh: single 10 s runs of one
# binary spread by ±10 % here, enough to decide a ratio near its target.
plain=0 plain_p99=0 cached=0 cached_p99=0
for round in 1 2 3; do
    "$server" plain 18091 & pids+=($!); wait_up 18091
    read -r rate p99 <<<"$(load 18091)"; kill "${pids[-1]}"
    if (( rate > plain )); then plain=$rate plain_p99=$p99; fi
    "$server" cached 18092 & pids+=($!); wait_up 18092
    read -r rate p99 <<<"$(load 18092)"; kill "${pids[-1]}"
    if (( rate > cached )); then cached=$rate cached_p99=$p99; fi
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

awk -v o="$cached" -v p="$plain" 'BEGIN { printf "http-cached-vs-plain-2kb: ours=%d peer=%d ratio=%.2f\n", o, p, o / p }'
awk -v o="$cached" -v p="$django" 'BEGIN { printf "http-cached-vs-django-2kb: ours=%d peer=%d ratio=%.2f\n", o, p, o / p }'
awk -v o="$cached_p99" -v p="$plain_p99" 'BEGIN { printf "http-cached-p99-vs-plain-p99: ours=%d peer=%d ratio=%.2f\n", o, p, (o > 0 ? p / o : 0) }'
awk -v o="$metrics_on" -v p="$metrics_off" 'BEGIN { printf "http-cached-metrics-on-vs-off: ours=%d peer=%d ratio=%.2f\n", o, p, o / p }'
