#!/usr/bin/env bash
# Side by side, in one run, against the loopback Redis Cluster of
# scripts/services.sh (127.0.0.1:7000-7005; REDIS_CLUSTER_SEEDS to change):
#
# (a) redis-benchmark --cluster -t get,set -n 200000 -c 32 -P 1 vs this
#     project's RedisClusterClient doing the same commands from 32 concurrent
#     tasks spread over the primaries (best of three interleaved rounds each).
#     Target: ratio >= 0.7.
# (b) the Redis backend on the cluster vs the same backend on one node
#     (REDIS_URL, the 6379 server): 20,000 set, get-hit, get-miss over 2,000
#     keys from 32 tasks (best of three rounds); `peer` is the one-node
#     figure. On one machine the cluster's three primaries share its cores
#     and take three times the connections, so expect a ratio below 1 there;
#     the cluster pays off when its nodes have machines of their own.
#
# Prints `<name>: ours=<ops/s> peer=<ops/s> ratio=<r>`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/peers.sh"

seeds=${REDIS_CLUSTER_SEEDS:-127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
first=${seeds%%,*}
command -v redis-benchmark >/dev/null || { echo "redis-benchmark not found (apt-get install -y redis-tools)" >&2; exit 1; }
redis-cli -h "${first%:*}" -p "${first##*:}" cluster info | grep -q cluster_state:ok ||
    { echo "no Redis Cluster at $first; run scripts/services.sh start" >&2; exit 1; }

echo "building backend-bench (release)..." >&2
swift build -c release --package-path "$here/backends" --scratch-path "$here/backends/.build-release" >&2
bench="$here/backends/.build-release/release/backend-bench"

best() { awk -v k="$1" '$1==k && $2>m {m=$2} END {print m}'; }
ours="" peer=""
for round in 1 2 3; do
    ours+=$("$bench" redis-cluster "$seeds" 32 1 200000)$'\n'
    peer+=$(redis-benchmark --cluster -h "${first%:*}" -p "${first##*:}" -t get,set -n 200000 -c 32 -P 1 --csv 2>/dev/null |
        awk -F'"' '$2=="SET" || $2=="GET" { print tolower($2), int($4) }')$'\n'
done
for op in get set; do
    o=$(best "$op" <<<"$ours")
    p=$(best "$op" <<<"$peer")
    ratio_line "redis-cluster-client-$op-P1" "$o" "$p"
done

location=$(awk -v s="$seeds" 'BEGIN { n = split(s, a, ","); printf "\"%s\"", a[1]; for (i = 2; i <= n; i++) printf ",\"%s\"", a[i] }')
cluster_settings='{"caches":{"default":{"backend":"redis","location":['"$location"'],"keyPrefix":"bench-cluster","options":{"cluster":true}}}}'
single_settings='{"caches":{"default":{"backend":"redis","location":"'"$redis_url"'","keyPrefix":"bench-cluster"}}}'
# Best of three interleaved rounds each, as in (a).
ours="" peer=""
for round in 1 2 3; do
    ours+=$("$bench" ops "$cluster_settings" 32)$'\n'
    peer+=$("$bench" ops "$single_settings" 32)$'\n'
done
ratio_lines redis-cluster-backend "$(for op in set get-hit get-miss; do echo "$op $(best "$op" <<<"$ours")"; done)" \
    "$(for op in set get-hit get-miss; do echo "$op $(best "$op" <<<"$peer")"; done)"
