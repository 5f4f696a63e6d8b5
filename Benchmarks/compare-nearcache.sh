#!/usr/bin/env bash
# The near cache (issue 18, item 3): a memory tier over Redis, kept coherent
# across processes by Redis pub/sub.
#
# 1. Get-hits, one task, 100 keys of 100 bytes: the near alias (hits served
#    from the memory tier) against the plain Redis alias under it.
# 2. Invalidation latency across processes: a follower process reads a key
#    through its near cache in a loop; a leader process writes it ROUNDS
#    times (default 1,000) and waits for the follower to acknowledge each new
#    value. The latency of a round is from the moment the leader's write
#    returned to the moment the follower's read returned the new value (its
#    memory copy was dropped by the message, and its read went to Redis),
#    both on CLOCK_MONOTONIC, which the processes share.
#
# Prints
#   nearcache-get-hit-vs-redis: ours=<near get-hit ops/s> peer=<Redis get-hit ops/s> ratio=<r>   (target >= 20)
#   nearcache-invalidation-p99-ms: ours=<p99 ms> peer=5 ratio=<5/ours>                        (target >= 1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
redis=${REDIS_URL:-redis://127.0.0.1:6379/0}
rounds=${ROUNDS:-1000}

echo "building backend-bench (release)..." >&2
swift build -c release --package-path "$here/backends" --scratch-path "$here/backends/.build-release" >&2
bench="$here/backends/.build-release/release/backend-bench"

run="nearbench-$$-$RANDOM"
settings='{"caches":{"default":{"backend":"memory"},
  "plain":{"backend":"redis","location":"'"$redis"'","keyPrefix":"'"$run"'"},
  "near":{"backend":"near","keyPrefix":"'"$run"'","options":{"over":"plain","invalidation":"'"$redis"'",
          "channel":"'"$run"'","maxEntries":10000,"staleness":60}}}}'

ours=$("$bench" nearcache throughput "$settings" near | awk '$1 == "get-hit" { print $2 }')
peer=$("$bench" nearcache throughput "$settings" plain | awk '$1 == "get-hit" { print $2 }')
awk -v o="$ours" -v p="$peer" 'BEGIN { printf "nearcache-get-hit-vs-redis: ours=%d peer=%d ratio=%.1f\n", o, p, o / p }'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bench" nearcache follow "$settings" latency "$rounds" >"$work/follow" &
follower=$!
"$bench" nearcache lead "$settings" latency "$rounds" >"$work/lead"
wait "$follower"
if grep -q '^regressed' "$work/follow"; then
    echo "the follower read an older value after a newer one:" >&2
    grep '^regressed' "$work/follow" >&2
    exit 1
fi
awk '
    FNR == NR && $1 == "wrote" { wrote[$2] = $3; next }
    $1 == "seen" && ($2 in wrote) { d = ($3 - wrote[$2]) / 1e6; if (d < 0) d = 0; print d }
' "$work/lead" "$work/follow" | sort -g >"$work/latencies"
count=$(wc -l <"$work/latencies")
[ "$count" -gt 0 ] || { echo "no round measured" >&2; exit 1; }
index=$(( (count * 99 + 99) / 100 ))
p99=$(sed -n "${index}p" "$work/latencies")
p50=$(sed -n "$(( (count + 1) / 2 ))p" "$work/latencies")
echo "invalidation latency over $count rounds: p50=${p50} ms p99=${p99} ms" >&2
awk -v o="$p99" 'BEGIN { if (o < 0.001) o = 0.001; printf "nearcache-invalidation-p99-ms: ours=%.3f peer=5 ratio=%.1f\n", o, 5 / o }'
echo "load: $(uptime | sed 's/.*load average: //')"
