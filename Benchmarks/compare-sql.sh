#!/usr/bin/env bash
# Side by side, in one run: this project's SQLite and PostgreSQL backends vs
# Django 5.2.19's DatabaseCache on the same SQLite file and the same PostgreSQL
# server: 20,000 set, get-hit and get-miss over 2,000 keys (100-byte values).
#
# Main lines: ours from one process with 32 concurrent tasks (a Swift server's
# many requests at once) vs Django with one worker process per core, their
# rates added up. `-sequential` lines: one task vs one Django process.
# Each side runs three rounds, interleaved, and the best of each is compared
# (ROUNDS=n to change). Prints `<name>: ours=<ops/s> peer=<ops/s> ratio=<r>`.
# Target: ratio >= 5 (main lines), >= 1.5 (sequential). The floor lines at
# the end tell what a bare postgres-nio connection does in the sequential case.
# Needs PostgreSQL on 127.0.0.1:5432 (scripts/services.sh start).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/peers.sh"

echo "building backend-bench (release)..." >&2
swift build -c release --package-path "$here/backends" --scratch-path "$here/backends/.build-release" >&2
bench="$here/backends/.build-release/release/backend-bench"
django_install "$work/django" "psycopg[binary]"
script="$here/backends/django_backends.py"

db="$work/cache.sqlite3"
pg_url=${POSTGRES_URL:-postgres://caching:caching@127.0.0.1:5432/caching_test}
# Culling is kept out of both sides' numbers: maxEntries well above 2,000.
sqlite='{"caches":{"default":{"backend":"sqlite","location":"swift_bench_cache","options":{"path":"'"$db"'","maxEntries":100000}}}}'
postgres='{"caches":{"default":{"backend":"postgres","location":"swift_bench_cache","options":{"url":"'"$pg_url"'","createTable":true,"maxEntries":100000}}}}'
pg_args=(127.0.0.1 5432 caching caching caching_test)

sqlite_ours() { "$bench" ops "$sqlite" 32; }
sqlite_peer() { django_rates "$work/django" "$script" sqlite "$db"; }
postgres_ours() { "$bench" ops "$postgres" 32; }
postgres_peer() { django_rates "$work/django" "$script" postgres "${pg_args[@]}"; }
sqlite_sequential_ours() { "$bench" ops "$sqlite" 1; }
sqlite_sequential_peer() { PYTHONPATH="$work/django" python3 "$script" sqlite "$db"; }
postgres_sequential_ours() { "$bench" ops "$postgres" 1; }
postgres_sequential_peer() { PYTHONPATH="$work/django" python3 "$script" postgres "${pg_args[@]}"; }
side_by_side sqlite sqlite_ours sqlite_peer
side_by_side postgres postgres_ours postgres_peer
side_by_side sqlite-sequential sqlite_sequential_ours sqlite_sequential_peer
sequential_lines=$(side_by_side postgres-sequential postgres_sequential_ours postgres_sequential_peer)
echo "$sequential_lines"

# The floor under the PostgreSQL one-task gets: the backend's own prepared
# get statement on a bare postgres-nio connection, one task, Swift's default
# executor, none of this project's code (backend-bench postgres-nio).
# `postgres-sequential-floor-*`: that driver loop vs the same Django process;
# `postgres-sequential-vs-floor-*`: our backend vs that loop (1 = no overhead).
postgres_floor_ours() { "$bench" postgres-nio "$pg_url" swift_bench_cache; }
floor_lines=$(RATIO_OPS="get-hit get-miss" side_by_side postgres-sequential-floor postgres_floor_ours postgres_sequential_peer)
echo "$floor_lines"
for op in get-hit get-miss; do
    ratio_line "postgres-sequential-vs-floor-$op" "$(line_value "postgres-sequential-$op" ours <<<"$sequential_lines")" \
        "$(line_value "postgres-sequential-floor-$op" ours <<<"$floor_lines")"
done
