import Caching
import Logging
import NIOCore
import NIOPosix

/// Django's memcached backends (`PyMemcacheCache`, `PyLibMCCache`): several
/// memcached servers used as one cache, on a client of this package's own
/// built on SwiftNIO.
///
/// **Servers.** Each key lives on one server, chosen by ketama consistent
/// hashing (``KetamaRing``), so adding or removing one of N servers moves only
/// about 1/N of the keys. Each server has ``Configuration/connectionsPerServer``
/// long-lived connections; concurrent requests are pipelined on them.
///
/// **Operations**, in memcached's meta protocol (memcached 1.6 or later):
/// - `get`, `hasKey`, `touch`: one `mg` (`touch` with `T`).
/// - `set`: one `ms`. A value the server refuses (over its item size, or out
///   of memory) deletes the old value, as Django does, so a stale value is never
///   served as current; an over-size value is `CacheError.valueTooLarge(key:size:limit:)`.
/// - `add`: `ms ... ME`, atomic in the server.
/// - `increment`: `ma`, atomic in the server and keeping the expiry. memcached
///   counts in unsigned 64 bits, so the cases it cannot do as `Cache` promises
///   — a decrement (memcached clamps at 0 where every other backend goes
///   negative) and a stored negative number (memcached calls it non-numeric) —
///   are a compare-and-swap loop instead (`mg ... c t`, then `ma ... C` or
///   `ms ... C`): still atomic, two round trips. A result over `Int.max` is
///   undone and reported as `CacheError.integerOverflow(key:)` (another client
///   may see the large value in between).
/// - `getMany`: one round trip per server, concurrently: quiet `mg` commands
///   labelled with opaque tokens and one `mn`, so only hits travel back.
/// - `setMany`: one pipelined round trip per server; keys the server refused
///   are returned (and their old values deleted), as Django's `set_many` does.
/// - `deleteMany`: quiet `md` commands and one `mn` per server.
/// - `clear`: `flush_all` on every server — everything on them, whatever the
///   key prefix, as in Django.
///
/// **Expiry** is memcached's: see `MemcachedExpiry`. Lifetimes over 30 days
/// become absolute times from ``Configuration/clock``, so the servers' clocks
/// should agree with the application's.
///
/// **Keys** are checked before any I/O: a key with a space or control
/// character, over 250 bytes, or empty is `CacheError.invalidKey(_:)`
/// (Django's `InvalidCacheKey`).
///
/// **Faults.** Every request is bounded as a whole — connect, wait and reply —
/// by ``Configuration/timeout`` (`CacheError.timeout(backend:message:)`);
/// a refused connect is `CacheError.unavailable(backend:reason:message:)`;
/// a reply the client does not expect closes the connection and fails the
/// request. Each server has a circuit breaker (``Configuration/breaker``):
/// after repeated failures its requests fail at once until a probe succeeds;
/// no new backend is needed when it returns. What the server's keys do in the
/// meantime is ``Configuration/failureMode``.
public struct MemcachedCacheBackend: CacheBackend {
    /// Settings of a memcached backend.
    public struct Configuration: Sendable {
        /// The servers, as one cache.
        public var servers: [MemcachedServer]
        /// The longest wait for a connection (default 1 s; never more than ``timeout``).
        public var connectTimeout: Duration
        /// The longest a request may take, connecting included (default 1 s); a
        /// connection that owed a reply is closed after it.
        public var timeout: Duration
        /// Errors or misses for the keys of a server that cannot be reached (default `.error`).
        public var failureMode: MemcachedFailureMode
        /// Connections kept to each server (default 1), each pipelining any number of requests.
        ///
        /// One is the default because throughput comes from how many requests
        /// share a write and a read: memcached gives each connection to one of
        /// its worker threads, and more connections mean shallower pipelines,
        /// more system calls on both sides and more of the server's threads
        /// woken. Measured with 32 concurrent tasks on two servers (two cores,
        /// 2026-12-02): one connection per server did 1.3-1.7 times the
        /// operations of two, and four did fewer than two. Raise it when one
        /// large value must not hold up the small requests queued behind it.
        public var connectionsPerServer: Int
        /// When a server's requests start failing at once, and for how long
        /// (default: after 3 failures in a row, for 0.25 s, doubling up to 1 s).
        public var breaker: CircuitBreakerSettings
        /// The wall clock that absolute expiry times (lifetimes over 30 days) are taken from.
        public var clock: CacheClock
        /// The event loops the connections run on.
        public var eventLoopGroup: any EventLoopGroup

        /// A configuration with the defaults.
        public init(servers: [MemcachedServer], connectTimeout: Duration = .seconds(1), timeout: Duration = .seconds(1),
                    failureMode: MemcachedFailureMode = .error, connectionsPerServer: Int = 1,
                    breaker: CircuitBreakerSettings = CircuitBreakerSettings(), clock: CacheClock = .wall,
                    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
            self.servers = servers
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.failureMode = failureMode
            self.connectionsPerServer = connectionsPerServer
            self.breaker = breaker
            self.clock = clock
            self.eventLoopGroup = eventLoopGroup
        }
    }

    /// The settings this backend was made with.
    public let configuration: Configuration
    let client: MemcachedClient
    let logger: Logger
    let failures: CacheFailureHandler

    /// A backend on `configuration.servers`. Connects on first use.
    public init(configuration: Configuration, logger: Logger = Logger(label: "swift-caching.memcached")) {
        self.configuration = configuration
        self.logger = logger
        failures = CacheFailureHandler(mode: configuration.failureMode, logger: logger)
        client = MemcachedClient(
            servers: configuration.servers,
            settings: MemcachedConnectionPool.Settings(
                connectTimeout: configuration.connectTimeout, commandTimeout: configuration.timeout,
                connectionCount: configuration.connectionsPerServer, breaker: configuration.breaker,
                eventLoopGroup: configuration.eventLoopGroup),
            logger: logger)
    }

    /// `memcached(<servers>)`, for logs and errors.
    public var name: String { "memcached(\(configuration.servers.map(\.description).joined(separator: ",")))" }

    /// Always `true`: memcached cannot store such keys, so they are errors, as in Django.
    public var rejectsInvalidKeys: Bool { true }

    /// Django's rules (over 250 characters, a space or control character),
    /// and also over 250 *bytes* and empty, which memcached refuses as well.
    public func keyProblems(_ key: String) -> [CacheKeyProblem] {
        var problems = CacheKeyProblem.memcachedProblems(in: key)
        let tooLong = problems.contains { if case .tooLong = $0 { return true } else { return false } }
        if !tooLong && key.utf8.count > CacheKeyProblem.maximumLength {
            problems.insert(.tooLong(key: key), at: 0)
        }
        if key.isEmpty { problems.append(.invalidCharacters(key: key)) }
        return problems
    }

    // MARK: Single keys

    /// One `mg ... v`; `nil` on a miss.
    public func get(_ key: String) async throws -> CacheValue? {
        try await onServer(for: key, write: false, whenDown: { nil }) { pool in
            let reply = try await pool.send(.single(.get(key: key))).first
            switch reply {
            case .value(_, let data)?: return .bytes(Self.storedBytes(data))
            case .miss?: return nil
            default: throw failure(reply, "get", pool)
            }
        }
    }

    /// One `mg` without a value.
    public func hasKey(_ key: String) async throws -> Bool {
        try await onServer(for: key, write: false, whenDown: { false }) { pool in
            try await probe(key, touch: nil, pool: pool)
        }
    }

    /// One `mg ... T<exptime>`; a zero or negative lifetime expires the key at once.
    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        let ttl = exptime(lifetime)
        return try await onServer(for: key, write: true, whenDown: { false }) { pool in
            try await probe(key, touch: ttl, pool: pool)
        }
    }

    /// One `ms`. A value the server refuses deletes the old one and is
    /// `CacheError.valueTooLarge(key:size:limit:)` when over the item size.
    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        let bytes = try storable(value, key: key)
        let ttl = exptime(lifetime)
        try await onServer(for: key, write: true, whenDown: {}) { pool in
            let reply = try await pool.send(.single(.store(key: key, value: bytes, ttl: ttl, mode: .set, cas: nil))).first
            if case .header? = reply { return }
            // As Django does: a value that could not be stored must not leave
            // the old one behind (memcached removes it too, on most failures).
            _ = try? await pool.send(.single(.delete(key: key, quiet: false)))
            throw await storeFailure(reply, key: key, size: bytes.count, pool: pool)
        }
    }

    /// One `ms ... ME`: atomic in the server.
    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        let bytes = try storable(value, key: key)
        let ttl = exptime(lifetime)
        return try await onServer(for: key, write: true, whenDown: { false }) { pool in
            let reply = try await pool.send(.single(.store(key: key, value: bytes, ttl: ttl, mode: .add, cas: nil))).first
            switch reply {
            case .header?: return true
            case .notStored?: return false
            default: throw await storeFailure(reply, key: key, size: bytes.count, pool: pool)
            }
        }
    }

    /// One `md`.
    public func delete(_ key: String) async throws -> Bool {
        try await onServer(for: key, write: true, whenDown: { false }) { pool in
            let reply = try await pool.send(.single(.delete(key: key, quiet: false))).first
            switch reply {
            case .header?: return true
            case .notFound?: return false
            default: throw failure(reply, "delete", pool)
            }
        }
    }

    // MARK: Whole cache

    /// `flush_all` on every server: everything stored there goes, whatever its
    /// key prefix or version (as in Django). In the `miss` failure mode a
    /// server that cannot be reached is skipped with a warning.
    public func clear() async throws {
        let failures = await withTaskGroup(of: (Int, (any Error)?).self) { tasks in
            for index in client.pools.indices {
                tasks.addTask {
                    do {
                        let pool = client.pools[index]
                        let reply = try await pool.send(.single(.flushAll)).first
                        guard case .ok? = reply else { throw failure(reply, "flush_all", pool) }
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            var failures: [(Int, any Error)] = []
            for await (index, error) in tasks {
                if let error { failures.append((index, error)) }
            }
            return failures.sorted { $0.0 < $1.0 }
        }
        for (index, error) in failures {
            guard let clientError = error as? MemcachedClientError else { throw error }
            guard configuration.failureMode == .miss, clientError.meansServerUnavailable else {
                throw clientError.cacheError(backend: name)
            }
            client.pools[index].breaker.droppedWrite()
            logger.warning("memcached server unavailable; its entries were not cleared",
                           metadata: ["memcached.server": "\(client.pools[index].server)", "error": "\(clientError)"])
        }
    }

    /// Closes every connection; the next operation reconnects.
    public func close() async throws {
        await client.close()
    }

    /// Closes every connection for good and waits until they are closed;
    /// later calls fail with `CacheError.unavailable` and reason `.shutDown`.
    public func closePermanently() async throws {
        guard failures.latch.shutDown(backend: name) else { return }
        await client.closePermanently()
    }

    /// Connections opened or tried so far, over all servers (for tests: an
    /// open circuit opens none).
    package var connectAttempts: Int { client.pools.reduce(0) { $0 + $1.connectAttempts } }
    /// The servers' circuit breakers, in ``Configuration/servers`` order.
    package var breakers: [CircuitBreaker] { client.pools.map(\.breaker) }

    // MARK: Helpers

    /// Runs `body` on the connection pool of the server that holds `key`.
    ///
    /// A connection-level failure becomes a `CacheError`; in the `miss`
    /// failure mode a server that cannot be reached or does not answer gives
    /// `whenDown()` instead (`CacheFailureHandler`: dropped writes
    /// are summed up in one warning a second per server).
    func onServer<T>(for key: String, write: Bool, whenDown: () throws -> T,
                     _ body: (MemcachedConnectionPool) async throws -> T) async throws -> T {
        try await onServer(client.serverIndex(for: key), write: write, whenDown: whenDown, body)
    }

    func onServer<T>(_ index: Int, write: Bool, whenDown: () throws -> T,
                     _ body: (MemcachedConnectionPool) async throws -> T) async throws -> T {
        guard client.pools.indices.contains(index) else {
            throw CacheError.backendFailure(backend: name, message: "no memcached server is configured")
        }
        let pool = client.pools[index]
        return try await failures.run(write: write, breaker: pool.breaker, whenDown: whenDown) {
            do {
                return try await body(pool)
            } catch let error as MemcachedClientError {
                throw error.cacheError(backend: name)
            }
        }
    }

    private func probe(_ key: String, touch: Int?, pool: MemcachedConnectionPool) async throws -> Bool {
        let reply = try await pool.send(.single(.probe(key: key, touch: touch))).first
        switch reply {
        case .header?: return true
        case .miss?: return false
        default: throw failure(reply, touch == nil ? "mg" : "touch", pool)
        }
    }

    /// The error for a store the server refused.
    func storeFailure(_ reply: MemcachedReply?, key: String, size: Int, pool: MemcachedConnectionPool) async -> CacheError {
        if case .serverError(let message)? = reply, message.contains("too large") {
            return .valueTooLarge(key: key, size: size, limit: await pool.itemSizeLimit())
        }
        return failure(reply, "store of '\(key)'", pool)
    }

    /// The error for a reply the operation cannot use.
    func failure(_ reply: MemcachedReply?, _ operation: String, _ pool: MemcachedConnectionPool) -> CacheError {
        .backendFailure(backend: name, message: "memcached at \(pool.server) answered \(operation) with '\(reply?.summary ?? "nothing")'")
    }

    func storable(_ value: CacheValue, key: String) throws -> [UInt8] {
        guard case .bytes(let bytes) = value else {
            throw CacheError.unencodableValue(key: key, reason: "the memcached backend stores encoded values only")
        }
        return bytes
    }

    func exptime(_ lifetime: CacheLifetime) -> Int {
        MemcachedExpiry.exptime(lifetime, now: configuration.clock.now())
    }

    /// A stored value's bytes. memcached writes a decremented number over the
    /// old one in place and pads it with spaces (`10` → `9 `); the padding is
    /// removed, so the number reads back as the integer it is. Only values that
    /// start with a digit are looked at: integers are decimal ASCII and no other
    /// value of the default coder starts with a digit.
    static func storedBytes(_ data: ByteBuffer) -> [UInt8] {
        var bytes = Array(data.readableBytesView)
        guard let last = bytes.last, last == UInt8(ascii: " "),
              let first = bytes.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return bytes }
        let digits = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
        guard bytes[digits...].allSatisfy({ $0 == UInt8(ascii: " ") }) else { return bytes }
        bytes.removeLast(bytes.count - digits)
        return bytes
    }
}
