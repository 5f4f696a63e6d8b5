#!/usr/bin/env bash
# The read cost of tags on memcached (issue 18): memcached has no sets, so a
# tagged value is checked against its tags' version keys on every hit (one
# more multi-get). Compares 20,000 get-hits of tagged values (one tag each)
# with 20,000 of untagged values, same keys count and value size, from 32
# concurrent tasks, best of three interleaved rounds; `-sequential`: one task.
#
# Prints `memcached-tagged-get-vs-untagged: ours=<tagged ops/s> peer=<untagged ops/s> ratio=<r>`
# (the peer here is the untagged read; ratio 1 would be free tags).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
memcached=${MEMCACHED_SERVERS:-127.0.0.1:11211,127.0.0.1:11212}

echo "building backend-bench (release)..." >&2
swift build -c release --package-path "$here/backends" --scratch-path "$here/backends/.build-release" >&2
bench="$here/backends/.build-release/release/backend-bench"

location=$(awk -v s="$memcached" 'BEGIN { n = split(s, a, ","); printf "\"%s\"", a[1]; for (i = 2; i <= n; i++) printf ",\"%s\"", a[i] }')
settings='{"caches":{"default":{"backend":"memcached","location":['"$location"'],"keyPrefix":"tags-bench"}}}'
for tasks in 32 1; do
    out=$("$bench" tags "$settings" "$tasks")
    suffix=$([ "$tasks" = 1 ] && echo "-sequential" || echo "")
    awk -v n="memcached-tagged-get-vs-untagged$suffix" '
        $1 == "untagged-get" { p = $2 } $1 == "tagged-get" { o = $2 }
        END { printf "%s: ours=%d peer=%d ratio=%.2f\n", n, o, p, o / p }' <<<"$out"
done
echo "load: $(uptime | sed 's/.*load average: //')"
