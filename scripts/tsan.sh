#!/usr/bin/env bash
# Runs the concurrency tests under ThreadSanitizer: the memory and file stores
# under concurrent tasks, single-flight (page-cache and shared-cache
# stampedes, Django's split middleware steps), the connection pools and
# pipelining of Redis, memcached, SQLite and PostgreSQL, PostgreSQL's read
# batching, and the circuit breaker and whole-call deadlines under faults (the
# backends' reliability tests). Needs the servers of scripts/services.sh.
#
#   scripts/tsan.sh [extra swift test arguments]
#
# Clean means no "ThreadSanitizer:" report and every test passing. Suppressions
# for races inside dependencies (none needed so far) go in scripts/tsan.supp,
# one `race:<symbol>` line each with a comment saying why.
#
# The build defines CACHING_TSAN_LOCKS: the package's CacheLock (a type alias
# of Synchronization.Mutex in ordinary builds) becomes a pthread mutex, which
# TSan sees; TSan on Linux does not see Mutex's futex lock and would report
# every withLock closure as a race (Sources/Caching/CacheLock.swift).
#
# The suites run one at a time (--no-parallel): TSan slows code 5-15 times,
# and 141 tests at once on a small machine pass their 5 s server timeouts
# (2026-12-01, 2 cores under load: 24 such failures in parallel, none in
# series; 122 s in series).
set -euo pipefail
cd "$(dirname "$0")/.."

suites='MemoryCache|FileCacheBackendAddTests|PageCacheTests|SharedCacheBehaviourTests|DjangoOrderTests|RedisClientTests|RedisBackendTests|MemcachedBackendTests|SQLiteBackendTests|PostgresBackendTests|CircuitBreaker|ReliabilityTests|MemcachedFaultTests'
mkdir -p .build-tsan
log=.build-tsan/tsan.log
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan.supp ${TSAN_OPTIONS:-}"

start=$(date +%s)
status=0
swift test --enable-all-traits --sanitize=thread --scratch-path .build-tsan -Xswiftc -DCACHING_TSAN_LOCKS --no-parallel --filter "$suites" "$@" 2>&1 | tee "$log" || status=$?
end=$(date +%s)

races=$(grep -c 'WARNING: ThreadSanitizer' "$log" || true)
echo "tsan: status=$status races=$races time=$((end - start))s (log: $log)"
if [ "$races" -ne 0 ]; then
    grep -A12 'WARNING: ThreadSanitizer' "$log" | head -60 >&2
    exit 1
fi
exit "$status"
