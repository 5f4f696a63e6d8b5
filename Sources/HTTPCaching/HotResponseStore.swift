import Caching
import Metrics

/// The page caches' in-process memory tier: responses kept decoded and ready
/// to write (head fields parsed, body in a `ByteBuffer`), in front of whatever
/// backend holds the cache of record.
///
/// Why: a hit read from the backend costs a backend round trip (Redis,
/// memcached, SQL) or at least a decode, and a hit served at the connection
/// (`HotPathHandler` in HummingbirdCaching) must be answered synchronously on
/// the event loop. This tier is what such hits are answered from.
///
/// - Filled when the page cache stores an entry and when it reads one from
///   the backend (a hit on another instance's entry).
/// - Bounded by ``byteBudget``: past it, expired entries go first, then the
///   least recently stored. (Reads do not reorder entries: hits stay lock-short;
///   an entry read often but stored long ago is refilled by the next backend hit.)
/// - An entry never outlives the backend entry it copies, nor ``staleness``
///   seconds: a page deleted or replaced by another instance (or by code that
///   writes the backend directly) is served from here for at most that long.
/// - Cleared by the page cache's own invalidations and clears. A tagged
///   page's copy is dropped the moment an invalidation of one of its tags in
///   this process returns (`CacheTagGeneration`); other instances'
///   copies within ``staleness``.
public final class HotResponseStore: Sendable {
    /// The most bytes (bodies and header fields, estimated) the tier holds.
    public let byteBudget: Int
    /// The longest an entry is kept, in seconds: the staleness bound across
    /// app instances sharing a network backend.
    public let staleness: Double
    /// Wall-clock time, the clock entry lifetimes are measured on.
    public let clock: CacheClock

    private let state = CacheLock(State())
    /// Evictions, entries and bytes (backend `hot`), recorded on writes only:
    /// reads stay lock-short.
    private let metrics: CacheStoreMetrics

    /// A tier of at most `byteBudget` bytes whose entries live at most
    /// `staleness` seconds. Its evictions, entries and bytes are recorded
    /// as backend `hot` at `location` through `metrics` (`nil`:
    /// `MetricsSystem.factory`).
    public init(
        byteBudget: Int, staleness: Double, clock: CacheClock = .wall, location: String = "pages",
        metrics: (any MetricsFactory)? = nil
    ) {
        self.byteBudget = max(0, byteBudget)
        self.staleness = max(0, staleness)
        self.clock = clock
        self.metrics = CacheStoreMetrics(backend: "hot", location: location, factory: metrics ?? MetricsSystem.factory)
    }

    /// Whether the tier can hold anything.
    public var isEnabled: Bool { byteBudget > 0 && staleness > 0 }

    /// The number of entries (expired ones included until they are evicted).
    public var count: Int { state.withLock { $0.entries.count } }

    /// The bytes currently accounted.
    public var bytes: Int { state.withLock { $0.bytes } }

    /// The value stored under `key`, unless it has expired.
    func value(_ key: String) -> HotValue? {
        let now = clock.now()
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            if !entry.tags.isEmpty, !CacheTagGeneration.isCurrent(entry.tags, entry.tagStamps) {
                _ = state.remove(key)
                return nil
            }
            return entry.expires > now ? entry.value : nil
        }
    }

    /// Stores `value` under `key` for at most `lifetime` seconds (and at most
    /// ``staleness``); a lifetime of 0 or less stores nothing (and drops what
    /// was there, which is older). A value with `tags` passes the
    /// `CacheTagGeneration.current` read before it was read from
    /// (or written to) the backend: it is not kept if an invalidation ran
    /// since, and is dropped by any later invalidation of one of its tags.
    func set(_ key: String, _ value: HotValue, lifetime: Double, tags: [String] = [], generation: UInt64 = 0) {
        var stamps: [UInt64] = []
        if !tags.isEmpty {
            guard let taken = CacheTagGeneration.stamps(for: tags, ifUnchangedSince: generation) else {
                remove(key)
                return
            }
            stamps = taken
        }
        let keep = min(lifetime, staleness)
        let size = value.byteCount + key.utf8.count + 64
        guard isEnabled, keep > 0, size <= byteBudget else {
            remove(key)
            return
        }
        let expires = clock.now() + keep
        let now = clock.now()
        let (evicted, count, bytes) = state.withLock { state in
            state.insert(key, Entry(
                value: value, bytes: size, expires: expires, order: state.nextOrder, tags: tags, tagStamps: stamps))
            state.nextOrder &+= 1
            let evicted = state.bytes > byteBudget ? state.evict(toFit: byteBudget, now: now) : 0
            return (evicted, state.entries.count, state.bytes)
        }
        metrics.evicted(evicted)
        metrics.holds(shard: 0, entries: count, bytes: bytes)
    }

    /// Removes the entry under `key`.
    func remove(_ key: String) {
        state.withLock { state in _ = state.remove(key) }
    }

    /// Removes every entry.
    public func removeAll() {
        state.withLock { state in state = State() }
    }

    private struct Entry {
        var value: HotValue
        var bytes: Int
        var expires: Double
        var order: UInt64
        /// The tags of a tagged page and their counters when it was read.
        var tags: [String]
        var tagStamps: [UInt64]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var nextOrder: UInt64 = 0

        mutating func insert(_ key: String, _ entry: Entry) {
            if let old = entries.updateValue(entry, forKey: key) { bytes -= old.bytes }
            bytes += entry.bytes
        }

        mutating func remove(_ key: String) -> Entry? {
            guard let old = entries.removeValue(forKey: key) else { return nil }
            bytes -= old.bytes
            return old
        }

        /// Expired entries first, then the oldest stored, until `budget`
        /// fits; returns how many entries went.
        mutating func evict(toFit budget: Int, now: Double) -> Int {
            let before = entries.count
            for (key, entry) in entries where entry.expires <= now { _ = remove(key) }
            guard bytes > budget else { return before - entries.count }
            let oldestFirst = entries.sorted { $0.value.order < $1.value.order }
            for (key, _) in oldestFirst {
                _ = remove(key)
                if bytes <= budget * 3 / 4 { break }
            }
            return before - entries.count
        }
    }
}
