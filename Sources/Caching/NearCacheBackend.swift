import Logging

/// A near cache: a bounded memory tier in this process over another backend
/// (the *backing* alias, usually Redis), kept coherent across every instance
/// by a ``CacheInvalidationChannel``.
///
/// Why: a read served from process memory costs well under a microsecond; one
/// from Redis a network round trip. Several instances can keep memory copies
/// only if each learns when another changed a key — hence the channel.
///
/// - **Reads** look in memory first; a miss reads the backing backend and
///   keeps the value in memory for at most ``Configuration/staleness`` and
///   never longer than the entry has left when the backing backend reports it
///   (``CacheLifetimeReporting``: Redis does). `getMany` serves what memory
///   has and reads the rest without keeping it.
/// - **Writes** (`set`, `add`, `touch`, `delete`, `increment`, the many-key
///   calls, `clear`, and so tag invalidation, which writes tag versions) go
///   to the backing backend, drop the local copies, then publish the keys on
///   the channel; every instance (this one too) drops its copies when the
///   message arrives.
/// - **Coherence**: copies are kept only while the channel listens. When it
///   stops (connection lost, server down, a lagging subscriber cut off by
///   Redis, a heartbeat unanswered) the tier drops everything and serves
///   nothing from memory until it listens again. A read that raced with an
///   invalidation never stores its (possibly older) value: each fill checks
///   that no invalidation of the key's slot, and no reconnection, happened
///   since the read began.
///
/// Staleness bound: once a write through any instance's near cache returns,
/// another instance serves the old value only until the message reaches it
/// (normally well under a millisecond on a LAN); if the message is lost, the
/// channel's drop is detected and the tier flushed; in every case no copy
/// lives longer than ``Configuration/staleness``. Writes that bypass the near
/// cache (the backing alias directly, another program) are not announced:
/// for those the bound is ``Configuration/staleness``.
public final class NearCacheBackend: CacheBackend {
    /// Settings of the memory tier.
    public struct Configuration: Sendable {
        /// The most entries kept in memory (least recently used go first).
        public var maxEntries: Int
        /// An optional budget on the bytes of keys and values kept in memory.
        public var maxBytes: Int?
        /// The longest a copy is served from memory, in seconds: the bound on
        /// staleness whatever happens to the channel.
        public var staleness: Double
        /// What a write does when the channel cannot publish: `error` throws,
        /// `miss` logs and returns (other instances keep their copies for at
        /// most ``staleness``). Tag invalidation always throws.
        public var failureMode: CacheFailureMode
        /// The clock memory lifetimes are measured on.
        public var clock: CacheClock

        /// A configuration; 10,000 entries and 5 seconds by default.
        public init(maxEntries: Int = 10_000, maxBytes: Int? = nil, staleness: Double = 5,
                    failureMode: CacheFailureMode = .error, clock: CacheClock = .coarseMonotonic) {
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
            self.staleness = staleness
            self.failureMode = failureMode
            self.clock = clock
        }
    }

    /// The backend behind the memory tier.
    public let backing: any CacheBackend
    /// The channel invalidations travel on.
    public let channel: any CacheInvalidationChannel
    /// The memory tier's settings.
    public let configuration: Configuration
    private let memory: MemoryCacheBackend
    private let location: String
    private let state = CacheLock(TierState())
    private let failures: CacheFailureHandler
    private let breaker: CircuitBreaker
    private let logger: Logger

    /// The slots invalidations are counted in (a power of two).
    private static let slotCount = 4096

    /// Whether copies may be kept, and the counters that let a fill detect an
    /// invalidation that ran while it read the backing backend.
    private struct TierState {
        var started = false
        var listening = false
        /// Bumped on every connect, disconnect and `all`.
        var epoch: UInt64 = 0
        var slots = [UInt64](repeating: 0, count: NearCacheBackend.slotCount)
    }

    /// What a read saw before reading the backing backend.
    private struct Ticket {
        var epoch: UInt64
        var slot: Int
        var count: UInt64
    }

    /// A near cache over `backing`, kept coherent by `channel`. Nothing
    /// connects until the first call.
    public init(backing: any CacheBackend, channel: any CacheInvalidationChannel, configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "swift-caching.near")) {
        self.backing = backing
        self.channel = channel
        self.configuration = configuration
        self.location = "near-cache:\(Self.newLocationID())"
        self.memory = MemoryCacheBackend(location: location, configuration: MemoryCacheBackend.Configuration(
            maxEntries: configuration.maxEntries, maxBytes: configuration.maxBytes, clock: configuration.clock))
        self.logger = logger
        self.failures = CacheFailureHandler(mode: configuration.failureMode, logger: logger)
        self.breaker = CircuitBreaker(
            backend: "near", server: "invalidation channel", settings: CircuitBreakerSettings(failureThreshold: 0),
            probeTimeout: .seconds(10), logger: logger)
    }

    deinit {
        channel.stop()
        MemoryCacheStore.drop(location)
    }

    private static func newLocationID() -> String {
        String(UInt64.random(in: 0 ... .max), radix: 16)
    }

    /// `near(<backing>)`.
    public var name: String { "near(\(backing.name))" }
    public var acceptsLiveValues: Bool { backing.acceptsLiveValues }
    public var rejectsInvalidKeys: Bool { backing.rejectsInvalidKeys }
    public func keyProblems(_ key: String) -> [CacheKeyProblem] { backing.keyProblems(key) }

    /// Whether the tier keeps copies now (the channel listens).
    public var isServingFromMemory: Bool { state.withLock { $0.listening } }

    /// The number of copies in memory (expired ones included).
    public var memoryCount: Int { memory.count }

    // MARK: Channel events

    private func startIfNeeded() {
        let start = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard start else { return }
        channel.start { [weak self] event in self?.handle(event) }
    }

    /// Applies one channel event (also for tests driving a channel by hand).
    func handle(_ event: CacheInvalidationEvent) {
        switch event {
        case .connected:
            // Whatever was kept before may have missed changes: start empty.
            state.withLock { state in
                state.epoch &+= 1
                state.listening = true
            }
            memory.removeAll()
        case .disconnected:
            state.withLock { state in
                state.epoch &+= 1
                state.listening = false
            }
            memory.removeAll()
        case .all:
            state.withLock { $0.epoch &+= 1 }
            memory.removeAll()
        case .keys(let keys):
            dropLocally(keys)
        }
    }

    /// Counts an invalidation of `keys`, then drops their copies (in that
    /// order: a fill checks the counters under the same lock it stores in).
    private func dropLocally(_ keys: [String]) {
        state.withLock { state in
            for key in keys { state.slots[Self.slot(key)] &+= 1 }
        }
        for key in keys { memory.removeSynchronously(key) }
    }

    private func dropAllLocally() {
        state.withLock { $0.epoch &+= 1 }
        memory.removeAll()
    }

    private static func slot(_ key: String) -> Int {
        key.hashValue & (slotCount - 1)
    }

    private func ticket(for key: String) -> Ticket? {
        state.withLock { state in
            guard state.listening else { return nil }
            let slot = Self.slot(key)
            return Ticket(epoch: state.epoch, slot: slot, count: state.slots[slot])
        }
    }

    /// Keeps `value` in memory unless an invalidation of its slot, or a
    /// reconnection, happened since `ticket` was taken.
    private func fill(_ key: String, _ value: CacheValue, lifetime: CacheLifetime, ticket: Ticket) {
        var seconds = configuration.staleness
        if case .seconds(let left) = lifetime { seconds = min(seconds, left) }
        guard seconds > 0 else { return }
        state.withLock { state in
            guard state.listening, state.epoch == ticket.epoch, state.slots[ticket.slot] == ticket.count else { return }
            // Inside the lock, so an invalidation cannot pass between the check and the store.
            try? memory.setSynchronously(key, value: value, lifetime: .seconds(seconds))
        }
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> CacheValue? {
        if let value = memory.getSynchronously(key) { return value }
        startIfNeeded()
        let ticket = ticket(for: key)
        if let reporting = backing as? any CacheLifetimeReporting {
            guard let found = try await reporting.getWithLifetime(key) else { return nil }
            if let ticket { fill(key, found.value, lifetime: found.lifetime, ticket: ticket) }
            return found.value
        }
        guard let value = try await backing.get(key) else { return nil }
        if let ticket { fill(key, value, lifetime: .forever, ticket: ticket) }
        return value
    }

    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        var result: [String: CacheValue] = [:]
        var missing: [String] = []
        for key in keys {
            if let value = memory.getSynchronously(key) { result[key] = value } else { missing.append(key) }
        }
        guard !missing.isEmpty else { return result }
        startIfNeeded()
        for (key, value) in try await backing.getMany(missing) { result[key] = value }
        return result
    }

    public func hasKey(_ key: String) async throws -> Bool {
        if memory.getSynchronously(key) != nil { return true }
        return try await backing.hasKey(key)
    }

    // MARK: Writes

    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        try await write([key]) { try await backing.set(key, value: value, lifetime: lifetime) }
    }

    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        try await write([key]) { try await backing.add(key, value: value, lifetime: lifetime) }
    }

    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        try await write([key]) { try await backing.touch(key, lifetime: lifetime) }
    }

    public func delete(_ key: String) async throws -> Bool {
        try await write([key]) { try await backing.delete(key) }
    }

    public func increment(_ key: String, by delta: Int) async throws -> Int {
        try await write([key]) { try await backing.increment(key, by: delta) }
    }

    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        try await write(entries.map(\.key)) { try await backing.setMany(entries, lifetime: lifetime) }
    }

    public func deleteMany(_ keys: [String]) async throws {
        try await write(keys) { try await backing.deleteMany(keys) }
    }

    public func clear() async throws {
        startIfNeeded()
        dropAllLocally()
        do {
            try await backing.clear()
        } catch {
            dropAllLocally()
            try? await channel.publishAll()
            throw error
        }
        dropAllLocally()
        try await announce { try await channel.publishAll() }
    }

    /// Stops listening and empties the memory tier; the backing alias is
    /// closed by its own alias. The next call starts listening again.
    public func close() async throws {
        channel.stop()
        state.withLock { state in
            state.started = false
            state.listening = false
            state.epoch &+= 1
        }
        memory.removeAll()
    }

    /// One write: drop the copies before (so no read fills from the old
    /// value meanwhile) and after (a read that fetched the old value during
    /// the write cannot keep it), then announce the keys — also when the
    /// write failed, since it may have been applied.
    private func write<T>(_ keys: [String], _ body: () async throws -> T) async throws -> T {
        startIfNeeded()
        dropLocally(keys)
        let result: T
        do {
            result = try await body()
        } catch {
            dropLocally(keys)
            if !keys.isEmpty { try? await channel.publish(keys) }
            throw error
        }
        dropLocally(keys)
        if !keys.isEmpty { try await announce { try await channel.publish(keys) } }
        return result
    }

    /// Publishes with the failure mode applied: in `miss` a channel that
    /// cannot be used drops the announcement (counted and logged), except
    /// while a tag invalidation runs, which must fail loudly.
    private func announce(_ publish: () async throws -> Void) async throws {
        try await failures.run(write: true, breaker: breaker, whenDown: {}) {
            do {
                try await publish()
            } catch let error as CacheError {
                throw error
            } catch {
                throw CacheError.backendFailure(backend: name, message: "publishing an invalidation failed: \(error)")
            }
        }
    }
}
