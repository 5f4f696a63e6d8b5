import Metrics

/// The store-level metrics of one backend location: entries removed to make
/// room, Django's culling runs, and (for backends that know them) the entries
/// and bytes held.
///
/// Why a type of its own: every backend that culls or evicts reports through
/// the same names and dimensions, made once per location.
///
/// - `swift_caching_evictions_total{backend, location}`: entries removed to
///   make room (memory store culls and byte-budget or admission evictions,
///   file-cache culls, the page caches' hot tier).
/// - `swift_caching_culls_total{backend, location}`: times Django's culling
///   ran (memory `lru`, file, SQLite, PostgreSQL).
/// - `swift_caching_entries{backend, location, shard}` and
///   `swift_caching_bytes{backend, location, shard}`: gauges, recorded after
///   each write (memory store: one series per shard, sum them; hot tier: shard `0`).
package final class CacheStoreMetrics: Sendable {
    private let evictions: Counter
    private let culls: Counter
    private let entries: [Gauge]
    private let bytes: [Gauge]

    /// Handles for `backend` (`memory`, `file`, `sqlite`, `postgres`, `hot`)
    /// at `location`, with `shards` entries/bytes series.
    package init(backend: String, location: String, shards: Int = 1, factory: any MetricsFactory = MetricsSystem.factory) {
        let dimensions = [("backend", backend), ("location", location)]
        evictions = Counter(label: "swift_caching_evictions_total", dimensions: dimensions, factory: factory)
        culls = Counter(label: "swift_caching_culls_total", dimensions: dimensions, factory: factory)
        entries = (0..<max(1, shards)).map {
            Gauge(label: "swift_caching_entries", dimensions: dimensions + [("shard", String($0))], factory: factory)
        }
        bytes = (0..<max(1, shards)).map {
            Gauge(label: "swift_caching_bytes", dimensions: dimensions + [("shard", String($0))], factory: factory)
        }
    }

    /// Counts entries removed to make room (nothing when `count` is 0).
    @inline(__always) package func evicted(_ count: Int) {
        if count > 0 { evictions.increment(by: Int64(count)) }
    }

    /// Counts one culling run.
    package func culled() {
        culls.increment()
    }

    /// Records what one shard holds.
    @inline(__always) package func holds(shard: Int, entries count: Int, bytes total: Int) {
        guard shard >= 0, shard < entries.count else { return }
        entries[shard].record(count)
        bytes[shard].record(total)
    }
}
