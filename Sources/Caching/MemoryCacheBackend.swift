import Synchronization

/// Django's local-memory cache (`LocMemCache`), in-process and thread-safe.
///
/// All backends with the same ``location`` share one store, as Django's do; a
/// different location is an isolated store. Entries are kept in least-recently-
/// used order: `get`, `set`, a successful `add` and `increment` make a key the
/// most recent; `hasKey` and `touch` do not.
///
/// Bounds: ``Configuration/maxEntries`` with Django's culling arithmetic (when
/// the store holds `maxEntries` or more, `count / cullFrequency` least recently
/// used entries go before an insert; `cullFrequency` 0 clears the store), and
/// optionally ``Configuration/maxBytes``, a budget on the bytes of keys and
/// encoded values, kept by evicting least recently used entries.
///
/// Past Django: before culling by count, expired entries are dropped, so live
/// entries are not evicted while dead ones hold their place; and expiry runs on
/// a monotonic clock by default (at tick resolution, a few milliseconds).
///
/// Values are kept as Swift values (see ``CacheValue/live(_:)``) unless a byte
/// budget is set, in which case they are encoded so their size is known.
///
/// The hot path takes one `Mutex`; there is no actor hop.
public final class MemoryCacheBackend: SynchronousCacheBackend {
    /// Settings of a memory backend.
    public struct Configuration: Sendable {
        /// Culling starts when the store holds this many entries (Django's
        /// `MAX_ENTRIES`, default 300).
        public var maxEntries: Int
        /// The fraction of entries culled: `count / cullFrequency`; 0 clears the
        /// store (Django's `CULL_FREQUENCY`, default 3).
        public var cullFrequency: Int
        /// An optional budget on the total bytes of keys and encoded values.
        public var maxBytes: Int?
        /// The clock expiry is measured on.
        public var clock: CacheClock

        /// Creates a configuration; the defaults are Django's.
        public init(maxEntries: Int = 300, cullFrequency: Int = 3, maxBytes: Int? = nil, clock: CacheClock = .coarseMonotonic) {
            self.maxEntries = maxEntries
            self.cullFrequency = cullFrequency
            self.maxBytes = maxBytes
            self.clock = clock
        }
    }

    /// The name of the shared store.
    public let location: String
    /// This backend's bounds and clock.
    public let configuration: Configuration
    let store: MemoryCacheStore

    /// Opens (or joins) the store named `location`.
    public init(location: String = "", configuration: Configuration = Configuration()) {
        self.location = location
        self.configuration = configuration
        self.store = MemoryCacheStore.named(location)
    }

    public var name: String { "memory(\(location))" }
    public var acceptsLiveValues: Bool { configuration.maxBytes == nil }

    /// The number of entries in the store, expired ones included.
    public var count: Int { store.table.withLock { $0.count } }

    /// The bytes charged against the byte budget.
    public var totalBytes: Int { store.table.withLock { $0.totalBytes } }

    /// The store's keys from most to least recently used.
    public func keysInRecencyOrder() -> [String] {
        store.table.withLock { $0.keysInRecencyOrder() }
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
        let clock = configuration.clock
        return store.table.withLock { table -> CacheValue? in
            guard let position = table.slotIndex(key) else { return nil }
            // The clock is read only for entries that can expire.
            let expiry = table.expiry(at: position)
            if expiry != .infinity, expiry <= clock.now() {
                table.remove(key)
                return nil
            }
            table.moveToFront(position)
            return table.value(at: position)
        }
    }

    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        let now = configuration.clock.now()
        return store.table.withLock { table in
            var result: [String: CacheValue] = [:]
            for key in keys {
                guard let position = table.slotIndex(key) else { continue }
                if table.expiry(at: position) <= now {
                    table.remove(key)
                    continue
                }
                table.moveToFront(position)
                result[key] = table.value(at: position)
            }
            return result
        }
    }

    public func setSynchronously(_ key: String, value: CacheValue, lifetime: CacheLifetime) throws {
        let size = try charge(key, value)
        let now = configuration.clock.now()
        let expiry = lifetime.deadline(now: now) ?? .infinity
        store.table.withLock { table in
            store(&table, key, value, expiry: expiry, size: size, now: now)
        }
    }

    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        let sizes = try entries.map { try charge($0.key, $0.value) }
        let now = configuration.clock.now()
        let expiry = lifetime.deadline(now: now) ?? .infinity
        store.table.withLock { table in
            for (entry, size) in zip(entries, sizes) {
                store(&table, entry.key, entry.value, expiry: expiry, size: size, now: now)
            }
        }
        return []
    }

    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        let size = try charge(key, value)
        let now = configuration.clock.now()
        let expiry = lifetime.deadline(now: now) ?? .infinity
        return store.table.withLock { table in
            if let position = table.slotIndex(key), table.expiry(at: position) > now {
                return false
            }
            store(&table, key, value, expiry: expiry, size: size, now: now)
            return true
        }
    }

    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        let now = configuration.clock.now()
        let expiry = lifetime.deadline(now: now) ?? .infinity
        return store.table.withLock { table in
            guard let position = table.slotIndex(key), table.expiry(at: position) > now else { return false }
            table.setExpiry(position, expiry)
            return true
        }
    }

    public func delete(_ key: String) async throws -> Bool {
        store.table.withLock { $0.remove(key) }
    }

    public func deleteMany(_ keys: [String]) async throws {
        store.table.withLock { table in
            for key in keys { table.remove(key) }
        }
    }

    public func hasKey(_ key: String) async throws -> Bool {
        let now = configuration.clock.now()
        return store.table.withLock { table in
            guard let position = table.slotIndex(key) else { return false }
            if table.expiry(at: position) <= now {
                table.remove(key)
                return false
            }
            return true
        }
    }

    public func increment(_ key: String, by delta: Int) async throws -> Int {
        let now = configuration.clock.now()
        let encoded = configuration.maxBytes != nil
        return try store.table.withLock { table throws(CacheError) -> Int in
            guard let position = table.slotIndex(key), table.expiry(at: position) > now else {
                table.remove(key)
                throw CacheError.keyNotFound(key: key)
            }
            guard let current = table.value(at: position).integerValue else {
                throw CacheError.notAnInteger(key: key)
            }
            let (result, overflow) = current.addingReportingOverflow(delta)
            if overflow { throw CacheError.integerOverflow(key: key) }
            if encoded {
                let bytes = DecimalInteger.bytes(result)
                table.replaceValue(position, .bytes(bytes), size: key.utf8.count + bytes.count)
                evictForBudget(&table, keeping: key)
            } else {
                table.replaceValue(position, .live(result), size: 0)
            }
            table.moveToFront(position)
            return result
        }
    }

    public func clear() async throws {
        store.table.withLock { $0.removeAll() }
    }

    // MARK: Internals

    /// The bytes an entry is charged, checked against the whole budget.
    private func charge(_ key: String, _ value: CacheValue) throws -> Int {
        guard let maxBytes = configuration.maxBytes else { return 0 }
        let size = key.utf8.count + (value.byteCount ?? 0)
        if size > maxBytes {
            throw CacheError.valueTooLarge(key: key, size: size, limit: maxBytes)
        }
        return size
    }

    private func store(_ table: inout LRUTable, _ key: String, _ value: CacheValue, expiry: Double, size: Int, now: Double) {
        if table.count >= configuration.maxEntries {
            cull(&table, now: now)
        }
        table.upsert(key, value: value, expiry: expiry, size: size)
        evictForBudget(&table, keeping: key)
    }

    private func cull(_ table: inout LRUTable, now: Double) {
        if configuration.cullFrequency == 0 {
            table.removeAll()
            return
        }
        table.removeExpired(now: now)
        guard table.count >= configuration.maxEntries else { return }
        let toRemove = table.count / configuration.cullFrequency
        for _ in 0..<max(0, toRemove) { table.removeLeastRecentlyUsed() }
    }

    private func evictForBudget(_ table: inout LRUTable, keeping key: String) {
        guard let maxBytes = configuration.maxBytes else { return }
        while table.totalBytes > maxBytes, table.count > 1 {
            table.removeLeastRecentlyUsed()
        }
    }
}

/// One shared memory-cache location: its table and the lock around it.
final class MemoryCacheStore: Sendable {
    let table = Mutex(LRUTable())

    private static let stores = Mutex<[String: MemoryCacheStore]>([:])

    static func named(_ location: String) -> MemoryCacheStore {
        stores.withLock { stores in
            if let store = stores[location] { return store }
            let store = MemoryCacheStore()
            stores[location] = store
            return store
        }
    }

    static func drop(_ location: String) {
        _ = stores.withLock { $0.removeValue(forKey: location) }
    }
}
