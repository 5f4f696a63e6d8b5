#!/usr/bin/env bash
# Side by side, in one run, against the same local servers (scripts/services.sh start):
#
# (a) redis-benchmark -t get,set -n 200000 -c 32 -P 1 and -P 16 vs this
#     project's RedisClient doing the same commands from 32 concurrent tasks,
#     unpipelined and 16 deep (best of three interleaved rounds each).
#     Target: ratio >= 0.7 at both depths.
# (b) this project's Redis and memcached backends vs Django 5.2.19's RedisCache
#     and PyMemcacheCache: 20,000 set, get-hit, get-miss over 2,000 keys.
#     Main lines: ours from one process with 32 concurrent tasks vs Django with
#     one worker process per core, rates added up; `-sequential` lines: one
#     task vs one Django process; best of three interleaved rounds each.
#     Target: ratio >= 5.
# (c) context for the memcached main lines, when libmemcached-tools is
#     installed: memaslap (C; Debian names it memcaslap) with 2 threads and 32
#     connections, 90 % gets of 100-byte values, on the same servers, best of
#     three 5-second rounds. `memcached-get-hit-vs-memaslap` compares our
#     32-task get-hit rate with it; `memaslap-vs-django-get-hit` is the ratio
#     a C client reaches over Django here, the most any client could show.
#
# Prints `<name>: ours=<ops/s> peer=<ops/s> ratio=<r>`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/peers.sh"

redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
memcached=${MEMCACHED_SERVERS:-127.0.0.1:11211,127.0.0.1:11212}
command -v redis-benchmark >/dev/null || { echo "redis-benchmark not found (apt-get install -y redis-tools)" >&2; exit 1; }

echo "building backend-bench (release)..." >&2
swift build -c release --package-path "$here/backends" --scratch-path "$here/backends/.build-release" >&2
bench="$here/backends/.build-release/release/backend-bench"
django_install "$work/django" redis pymemcache
script="$here/backends/django_backends.py"

# (a) the client against redis-benchmark. On a small shared machine one
# 200,000-request round swings by ±30 %, so each side runs three rounds,
# interleaved, and the best of each is compared.
best() { awk -v k="$1" '$1==k && $2>m {m=$2} END {print m}'; }
for depth in 1 16; do
    ours="" peer=""
    for round in 1 2 3; do
        ours+=$("$bench" redis "$redis_url" 32 "$depth" 200000)$'\n'
        peer+=$(redis-benchmark -t get,set -n 200000 -c 32 -P "$depth" --csv 2>/dev/null |
            awk -F'"' '$2=="SET" || $2=="GET" { print tolower($2), int($4) }')$'\n'
    done
    for op in set get; do
        o=$(best "$op" <<<"$ours")
        p=$(best "$op" <<<"$peer")
        ratio_line "redis-client-$op-P$depth" "$o" "$p"
    done
done

# (b) the backends against Django's
location=$(awk -v s="$memcached" 'BEGIN { n = split(s, a, ","); printf "\"%s\"", a[1]; for (i = 2; i <= n; i++) printf ",\"%s\"", a[i] }')
redis_settings='{"caches":{"default":{"backend":"redis","location":"'"$redis_url"'","keyPrefix":"bench"}}}'
memcached_settings='{"caches":{"default":{"backend":"memcached","location":['"$location"']}}}'
redis_ours() { "$bench" ops "$redis_settings" 32; }
redis_peer() { django_rates "$work/django" "$script" redis "$redis_url"; }
memcached_ours() { "$bench" ops "$memcached_settings" 32; }
memcached_peer() { django_rates "$work/django" "$script" memcached "$memcached"; }
redis_sequential_ours() { "$bench" ops "$redis_settings" 1; }
redis_sequential_peer() { PYTHONPATH="$work/django" python3 "$script" redis "$redis_url"; }
memcached_sequential_ours() { "$bench" ops "$memcached_settings" 1; }
memcached_sequential_peer() { PYTHONPATH="$work/django" python3 "$script" memcached "$memcached"; }
side_by_side redis redis_ours redis_peer
memcached_lines=$(side_by_side memcached memcached_ours memcached_peer)
echo "$memcached_lines"
side_by_side redis-sequential redis_sequential_ours redis_sequential_peer
side_by_side memcached-sequential memcached_sequential_ours memcached_sequential_peer
# The same one task with NIO's event loops as Swift's global executor (the
# README's "Executors"): the task runs on the thread that does its I/O, so a
# call costs one thread wake-up, as Django's blocking socket does, instead of
# three (to the loop, the loop's own for the reply, back to the caller's thread).
memcached_sequential_nio_ours() { NIO_EXECUTOR=1 "$bench" ops "$memcached_settings" 1; }
side_by_side memcached-sequential-nio-executor memcached_sequential_nio_ours memcached_sequential_peer

# (c) the C client's ceiling for the memcached main lines
memaslap=$(command -v memaslap || command -v memcaslap || true)
if [ -n "$memaslap" ]; then
    tps=0
    for round in 1 2 3; do
        r=$("$memaslap" -s "$memcached" -T 2 -c 32 -X 100 -t 5s 2>/dev/null | awk '/^Run time:.*TPS:/ { for (i = 1; i <= NF; i++) if ($i == "TPS:") print $(i + 1) }')
        tps=$(awk -v a="$tps" -v b="${r:-0}" 'BEGIN { print (b > a ? b : a) }')
    done
    ratio_line memcached-get-hit-vs-memaslap "$(line_value memcached-get-hit ours <<<"$memcached_lines")" "$tps"
    ratio_line memaslap-vs-django-get-hit "$tps" "$(line_value memcached-get-hit peer <<<"$memcached_lines")"
else
    echo "memaslap not found (apt-get install -y libmemcached-tools): the memcached ceiling lines are left out" >&2
fi
