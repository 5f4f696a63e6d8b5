import Metrics
import Synchronization

/// Django's local-memory cache (`LocMemCache`), in-process and thread-safe.
///
/// All backends with the same ``location`` share one store, as Django's do; a
/// different location is an isolated store. Under the default `lru` policy
/// entries are kept in least-recently-used order: `get`, `set`, a successful
/// `add` and `increment` make a key the most recent; `hasKey` and `touch` do
/// not. The `tinylfu` policy (``MemoryCachePolicy``) adds frequency-based
/// admission.
///
/// Bounds: ``Configuration/maxEntries`` with Django's culling arithmetic (when
/// the store holds `maxEntries` or more, `count / cullFrequency` least recently
/// used entries go before an insert; `cullFrequency` 0 clears the store), and
/// optionally ``Configuration/maxBytes``, a budget on the bytes of keys and
/// encoded values, kept by evicting least recently used entries.
///
/// Scaling: a large store (``Configuration/maxEntries`` of 2,048 or more) is
/// split into up to 16 shards by key hash, each with its own lock, its own
/// recency order and its share of `maxEntries` and `maxBytes`, so concurrent
/// tasks rarely wait for each other. Each shard culls on its own, so recency
/// order and Django's arithmetic hold per shard, not store-wide: culling can
/// start a little before the whole store holds `maxEntries`, and drops a
/// shard's least recently used entries, not the store's. Set
/// ``Configuration/shards`` to 1 for Django's exact behaviour at any size.
///
/// Past Django: before culling by count, expired entries are dropped, so live
/// entries are not evicted while dead ones hold their place; and expiry runs on
/// a monotonic clock by default (at tick resolution, a few milliseconds).
///
/// Values are kept as Swift values (see ``CacheValue/live(_:)``) unless a byte
/// budget is set, in which case they are encoded so their size is known.
///
/// The hot path takes one shard's `Mutex`; there is no actor hop.
public final class MemoryCacheBackend: SynchronousCacheBackend {
    /// Settings of a memory backend.
    public struct Configuration: Sendable {
        /// Culling starts when the store holds this many entries (Django's
        /// `MAX_ENTRIES`, default 300); under `tinylfu`, the most entries kept.
        public var maxEntries: Int
        /// The fraction of entries culled: `count / cullFrequency`; 0 clears the
        /// store (Django's `CULL_FREQUENCY`, default 3). Not used by `tinylfu`.
        public var cullFrequency: Int
        /// An optional budget on the total bytes of keys and encoded values.
        /// With several shards each keeps `maxBytes / shards`, and one value
        /// may take at most that (a larger one is ``CacheError/valueTooLarge(key:size:limit:)``).
        public var maxBytes: Int?
        /// The clock expiry is measured on.
        public var clock: CacheClock
        /// What to drop when the store is full: `lru` (Django's) or `tinylfu`.
        public var policy: MemoryCachePolicy
        /// The number of shards (rounded up to a power of two, at most 256), or
        /// `nil` to choose from the bounds: up to 16, each with at least 1,024
        /// of `maxEntries` and 1 MiB of `maxBytes`. 1 keeps Django's exact
        /// culling and a single store-wide recency order.
        public var shards: Int?
        /// Where the store's evictions, culls, entries and bytes are recorded
        /// (the first opener's, like the layout); `nil`: `MetricsSystem.factory`.
        public var metrics: (any MetricsFactory)?

        /// Creates a configuration; the defaults are Django's.
        public init(maxEntries: Int = 300, cullFrequency: Int = 3, maxBytes: Int? = nil, clock: CacheClock = .coarseMonotonic,
                    policy: MemoryCachePolicy = .lru, shards: Int? = nil, metrics: (any MetricsFactory)? = nil) {
            self.maxEntries = maxEntries
            self.cullFrequency = cullFrequency
            self.maxBytes = maxBytes
            self.clock = clock
            self.policy = policy
            self.shards = shards
            self.metrics = metrics
        }

        /// The shard count these settings give.
        public var shardCount: Int {
            if let shards { return min(256, max(1, shards)).nextPowerOfTwo }
            var count = 1
            while count < 16, maxEntries / (count * 2) >= 1024, (maxBytes ?? Int.max) / (count * 2) >= 1 << 20 {
                count *= 2
            }
            return count
        }
    }

    /// The name of the shared store.
    public let location: String
    /// This backend's bounds and clock.
    public let configuration: Configuration
    let store: MemoryCacheStore
    let limits: MemoryCacheLimits

    /// Opens (or joins) the store named `location`. The first backend to open a
    /// location decides its shard count and policy.
    public init(location: String = "", configuration: Configuration = Configuration()) {
        self.location = location
        self.configuration = configuration
        let shardCount = configuration.shardCount
        self.store = MemoryCacheStore.named(
            location, shardCount: shardCount, policy: configuration.policy,
            capacityPerShard: max(1, configuration.maxEntries / shardCount),
            metrics: configuration.metrics ?? MetricsSystem.factory)
        self.limits = MemoryCacheLimits(
            maxEntries: configuration.maxEntries, cullFrequency: configuration.cullFrequency,
            maxBytes: configuration.maxBytes, shards: store.shardCount)
    }

    public var name: String { "memory(\(location))" }
    public var acceptsLiveValues: Bool { configuration.maxBytes == nil }

    /// The policy of the shared store (the first opener's).
    public var policy: MemoryCachePolicy { store.policy }

    /// The number of shards of the shared store.
    public var shardCount: Int { store.shardCount }

    /// The number of entries in the store, expired ones included.
    public var count: Int { store.allShards.reduce(0) { sum, shard in sum + shard.pointee.withLock { $0.table.count } } }

    /// The bytes charged against the byte budget.
    public var totalBytes: Int { store.allShards.reduce(0) { sum, shard in sum + shard.pointee.withLock { $0.table.totalBytes } } }

    /// The store's keys from most to least recently used, shard by shard (and,
    /// under `tinylfu`, window, probation, then protected).
    public func keysInRecencyOrder() -> [String] {
        store.allShards.flatMap { shard in shard.pointee.withLock { $0.table.keysInRecencyOrder() } }
    }

    /// Removes the shared store named `location`, releasing its memory.
    public static func dropStore(_ location: String) {
        MemoryCacheStore.drop(location)
    }

    public func get(_ key: String) async throws -> CacheValue? {
        getSynchronously(key)
    }

    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        try setSynchronously(key, value: value, lifetime: lifetime)
    }

    public func getSynchronously(_ key: String) -> CacheValue? {
        let key = MemoryCacheKey(key)
        let clock = configuration.clock
        let limits = limits
        return store.shard(key).pointee.withLock { shard in
            shard.get(key, clock: clock, limits: limits)
        }
    }

    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        var result: [String: CacheValue] = [:]
        for key in keys {
            if let value = getSynchronously(key) { result[key] = value }
        }
        return result
    }

    public func setSynchronously(_ key: String, value: CacheValue, lifetime: CacheLifetime) throws {
        let size = try charge(key, value)
        let key = MemoryCacheKey(key)
        let now = configuration.clock.now()
        let expiry = lifetime.deadline(now: now) ?? .infinity
        let limits = limits
        store.store(key, value, expiry: expiry, size: size, now: now, limits: limits)
    }

    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        let sizes = try entries.map { try charge($0.key, $0.value) }
        for (entry, size) in zip(entries, sizes) {
            let key = MemoryCacheKey(entry.key)
            let now = configuration.clock.now()
            let expiry = lifetime.deadline(now: now) ?? .infinity
            let limits = limits
            store.store(key, entry.value, expiry: expiry, size: size, now: now, limits: limits)
        }
        return []
    }

    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        let size = try charge(key, value)
        let key = MemoryCacheKey(key)
        let now = configuration.clock.now()
        let expiry = lifetime.deadline(now: now) ?? .infinity
        let limits = limits
        let index = store.shardIndex(key)
        let result = store.shard(index).pointee.withLock { shard -> (stored: Bool, evicted: Int, culled: Bool, count: Int, bytes: Int) in
            if let position = shard.table.slotIndex(key), shard.table.expiry(at: position) > now {
                return (false, 0, false, 0, 0)
            }
            let (evicted, culled) = shard.store(key, value, expiry: expiry, size: size, now: now, limits: limits)
            return (true, evicted, culled, shard.table.count, shard.table.totalBytes)
        }
        if result.stored {
            store.metrics.evicted(result.evicted)
            if result.culled { store.metrics.culled() }
            store.metrics.holds(shard: index, entries: result.count, bytes: result.bytes)
        }
        return result.stored
    }

    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        let key = MemoryCacheKey(key)
        let now = configuration.clock.now()
        let expiry = lifetime.deadline(now: now) ?? .infinity
        return store.shard(key).pointee.withLock { shard in
            guard let position = shard.table.slotIndex(key), shard.table.expiry(at: position) > now else { return false }
            shard.table.setExpiry(position, expiry)
            return true
        }
    }

    public func delete(_ key: String) async throws -> Bool {
        let key = MemoryCacheKey(key)
        return store.shard(key).pointee.withLock { $0.table.remove(key) }
    }

    public func deleteMany(_ keys: [String]) async throws {
        for key in keys { _ = try await delete(key) }
    }

    public func hasKey(_ key: String) async throws -> Bool {
        let key = MemoryCacheKey(key)
        let now = configuration.clock.now()
        return store.shard(key).pointee.withLock { shard in
            shard.liveSlot(key, now: now) != nil
        }
    }

    public func increment(_ key: String, by delta: Int) async throws -> Int {
        let finalKey = key
        let key = MemoryCacheKey(key)
        let now = configuration.clock.now()
        let encoded = configuration.maxBytes != nil
        let limits = limits
        return try store.shard(key).pointee.withLock { shard throws(CacheError) -> Int in
            guard let position = shard.liveSlot(key, now: now) else {
                throw CacheError.keyNotFound(key: finalKey)
            }
            guard let current = shard.table.value(at: position).integerValue else {
                throw CacheError.notAnInteger(key: finalKey)
            }
            let (result, overflow) = current.addingReportingOverflow(delta)
            if overflow { throw CacheError.integerOverflow(key: finalKey) }
            if encoded {
                let bytes = DecimalInteger.bytes(result)
                shard.replace(position, .bytes(bytes), size: finalKey.utf8.count + bytes.count, now: now, limits: limits)
            } else {
                shard.replace(position, .live(result), size: 0, now: now, limits: limits)
            }
            return result
        }
    }

    public func clear() async throws {
        removeAll()
    }

    /// Removes a key without suspending (the near cache's invalidations).
    func removeSynchronously(_ key: String) {
        let key = MemoryCacheKey(key)
        _ = store.shard(key).pointee.withLock { $0.table.remove(key) }
    }

    /// Removes every entry without suspending.
    func removeAll() {
        for shard in store.allShards {
            shard.pointee.withLock { $0.table.removeAll() }
        }
    }

    // MARK: Internals

    /// The bytes an entry is charged, checked against one shard's budget (the
    /// whole budget when the store has one shard).
    private func charge(_ key: String, _ value: CacheValue) throws -> Int {
        guard let maxBytes = limits.maxBytes else { return 0 }
        let size = key.utf8.count + (value.byteCount ?? 0)
        if size > maxBytes {
            throw CacheError.valueTooLarge(key: key, size: size, limit: maxBytes)
        }
        return size
    }
}

