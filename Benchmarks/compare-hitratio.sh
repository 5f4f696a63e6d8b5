#!/usr/bin/env bash
# Hit ratios of the memory backend's eviction policies: a seeded Zipf(0.9)
# stream over 100,000 keys, 2,000,000 requests (a miss is followed by a set),
# at 100 / 1,000 / 10,000 entries, and a scan-resistance run (1,000,000 Zipf
# requests, a one-pass scan of 1,000,000 new keys, then the hit ratio of the
# next 100,000 Zipf requests). Prints:
#   hitratio-zipf-<size>: ours=<tinylfu %> peer=<Caffeine's W-TinyLFU %> ratio=   (target >= 1)
#   hitratio-tinylfu-vs-lru-<size>: ours=<tinylfu %> peer=<lru %> ratio=
#   hitratio-scan-tinylfu-vs-lru-<size>: ours=<tinylfu %> peer=<lru %> ratio=
# Caffeine's figures are constants here, not measured: the JVM is not a
# project dependency. They are Caffeine's published W-TinyLFU hit ratios for
# Zipf(0.9) over 100,000 keys at 100 / 1,000 / 10,000 entries (its LRU:
# 15.6 / 34.2 / 60.4 %).
# `compare-hitratio.sh 1` runs every store with one shard (the default splits
# the 10,000-entry store into 8 shards, each with its own policy).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

echo "building hitratio-bench (release)..." >&2
swift build -c release --package-path "$here/memory" --scratch-path "$here/memory/.build-release" --product hitratio-bench >&2
out=$("$here/memory/.build-release/release/hitratio-bench" "$@")

caffeine() {
    case $1 in 100) echo 27.1 ;; 1000) echo 45.2 ;; 10000) echo 68.2 ;; esac
}
for size in 100 1000 10000; do
    t=$(awk -v n="zipf-$size" '$1==n && $2=="tinylfu" {print $3}' <<<"$out")
    l=$(awk -v n="zipf-$size" '$1==n && $2=="lru" {print $3}' <<<"$out")
    awk -v n="hitratio-zipf-$size" -v o="$t" -v p="$(caffeine "$size")" 'BEGIN { printf "%s: ours=%.1f peer=%.1f ratio=%.2f\n", n, o, p, o / p }'
    awk -v n="hitratio-tinylfu-vs-lru-$size" -v o="$t" -v p="$l" 'BEGIN { printf "%s: ours=%.1f peer=%.1f ratio=%.2f\n", n, o, p, o / p }'
done
for size in 100 1000 10000; do
    t=$(awk -v n="scan-$size" '$1==n && $2=="tinylfu" {print $3}' <<<"$out")
    l=$(awk -v n="scan-$size" '$1==n && $2=="lru" {print $3}' <<<"$out")
    awk -v n="hitratio-scan-tinylfu-vs-lru-$size" -v o="$t" -v p="$l" 'BEGIN { printf "%s: ours=%.1f peer=%.1f ratio=%.2f\n", n, o, p, (p > 0 ? o / p : 0) }'
done
