import Caching
import Logging
import NIOCore
import NIOPosix

/// Django's `RedisCache` on this package's own SwiftNIO client.
///
/// Semantics follow Django (spec §2, "RedisCache"), with these choices:
///
/// - Integers are stored as decimal text (the value coder's form), so `INCRBY`
///   works on them and keeps their TTL; other values are the coder's bytes.
/// - Lifetimes are sent in milliseconds (`PX`, `PEXPIRE`), so fractional
///   timeouts keep their precision (Django truncates to whole seconds). A zero
///   or negative lifetime deletes the key, as in Django.
/// - `add` is `SET NX`; `touch` is `PEXPIRE`, or `PERSIST` for "never
///   expires" (answering whether the key exists, where Django's `PERSIST`
///   answers false for a key that had no TTL).
/// - `increment` runs `EXISTS` and `INCRBY` in one Lua script, so a key that
///   expires between the two cannot be recreated as `delta` (Django checks,
///   then increments, in two round trips).
/// - `getMany` is one `MGET`, `setMany` one pipelined write of `SET ... PX`,
///   `deleteMany` one `DEL`.
/// - Several servers: the first takes every write; reads go to one of the
///   others, chosen at random, when there are others (Django's rule; replicas
///   lag, so a read right after a write may miss).
/// - A Redis Cluster (``Topology/cluster(readFromReplicas:)``): each key goes
///   to its hash slot's node (``RedisClusterClient``); `getMany`, `setMany`
///   and `deleteMany` send one command per slot, in parallel; `clear` runs on
///   every primary. Redis Sentinel (``Topology/sentinel(sentinels:masterName:)``):
///   every call goes to the primary the sentinels name (``RedisSentinelClient``).
/// - `clear` deletes only this cache's keys when it knows them — the keys
///   matching ``Configuration/clearScope`` — with `SCAN` and `UNLINK` in
///   batches of 1,000. That costs one round trip per batch and touches every
///   key of the database once, so it is meant for deploys and admin tasks, not
///   request paths. With no prefix, it is Django's `FLUSHDB`.
///
/// Failures never hang: each call is bounded as a whole by the `timeout`
/// (``RedisClient/Configuration/commandTimeout``), each server has a circuit
/// breaker, and the client reconnects by itself when the server is back. A
/// server that cannot be used is `CacheError.unavailable(backend:reason:message:)`
/// (refused, authentication failed, database missing, connection lost,
/// circuit open) or `CacheError.timeout(backend:message:)` — or, with
/// ``Configuration/failureMode`` `miss`, a miss (see `CacheFailureMode`).
/// Error replies and protocol errors are `CacheError.backendFailure(backend:message:)`
/// in both modes.
public final class RedisCacheBackend: CacheBackend, CacheLifetimeReporting {
    /// What `clear` removes.
    public enum ClearScope: Sendable, Equatable {
        /// `FLUSHDB`: every key of the database, as Django does.
        case database
        /// The keys matching a `SCAN MATCH` pattern, such as `myapp:*`.
        case keys(matching: String)

        /// The keys that start with `prefix`, with glob characters escaped.
        public static func prefix(_ prefix: String) -> ClearScope {
            .keys(matching: RedisCacheBackend.escapeGlob(prefix) + "*")
        }
    }

    /// How the servers are arranged.
    public enum Topology: Sendable, Equatable {
        /// ``Configuration/servers`` are one primary (the first) and its read
        /// replicas: Django's arrangement.
        case primaryAndReplicas
        /// ``Configuration/servers`` are seed nodes of a Redis Cluster: keys
        /// go to the node serving their hash slot (see ``RedisClusterClient``);
        /// with `readFromReplicas`, reads go to the slot's replicas.
        case cluster(readFromReplicas: Bool)
        /// The primary is the one the `sentinels` name for `masterName`, and
        /// follows their failovers (see ``RedisSentinelClient``);
        /// ``Configuration/servers`` holds at most one URL, whose user,
        /// password and database are used on the primary.
        case sentinel(sentinels: [RedisSlotMap.Node], masterName: String)
    }

    /// Settings of a Redis backend.
    public struct Configuration: Sendable {
        /// The servers: the first is the primary, the others read replicas;
        /// for a cluster, its seed nodes (see ``topology``).
        public var servers: [RedisEndpoint]
        /// How ``servers`` are arranged (default: one primary and replicas).
        public var topology: Topology
        /// Timeouts and connections per server.
        public var client: RedisClient.Configuration
        /// Prepended to every key on the server (after key validation), so
        /// several applications or test runs can share one database.
        public var namespace: String
        /// What `clear` deletes; by default the namespace's keys when there is
        /// a namespace, otherwise the whole database.
        public var clearScope: ClearScope
        /// The largest value stored (default 512 MiB, Redis's own limit). A
        /// larger value is refused with `CacheError.valueTooLarge(key:size:limit:)`
        /// and the key's old value is deleted.
        public var maxValueBytes: Int
        /// Errors or misses while a server cannot be used (default `.error`).
        public var failureMode: CacheFailureMode

        /// A configuration for `servers`, arranged as `topology`.
        public init(
            servers: [RedisEndpoint], topology: Topology = .primaryAndReplicas,
            client: RedisClient.Configuration = RedisClient.Configuration(),
            namespace: String = "", clearScope: ClearScope? = nil, maxValueBytes: Int = 512 * 1024 * 1024,
            failureMode: CacheFailureMode = .error
        ) {
            self.servers = servers
            self.topology = topology
            self.client = client
            self.namespace = namespace
            self.clearScope = clearScope ?? (namespace.isEmpty ? .database : .prefix(namespace))
            self.maxValueBytes = maxValueBytes
            self.failureMode = failureMode
        }
    }

    /// `redis`.
    public let name = "redis"
    /// The configuration the backend was made with.
    public let configuration: Configuration
    private let servers: any RedisServers
    private let logger: Logger
    private let failures: CacheFailureHandler

    /// A backend on `configuration.servers`. Nothing connects until the first call.
    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.redis")
    ) throws(CacheConfigurationError) {
        self.configuration = configuration
        self.logger = logger
        self.failures = CacheFailureHandler(mode: configuration.failureMode, logger: logger)
        switch configuration.topology {
        case .primaryAndReplicas:
            guard !configuration.servers.isEmpty else {
                throw CacheConfigurationError("A Redis cache needs at least one server URL in its location")
            }
            servers = RedisReplicaSet(clients: configuration.servers.map {
                RedisClient(endpoint: $0, configuration: configuration.client, eventLoopGroup: eventLoopGroup, logger: logger)
            })
        case .cluster(let readFromReplicas):
            do {
                servers = RedisClusterServers(cluster: try RedisClusterClient(
                    seeds: configuration.servers,
                    configuration: RedisClusterClient.Configuration(client: configuration.client, readFromReplicas: readFromReplicas),
                    eventLoopGroup: eventLoopGroup, logger: logger))
            } catch {
                throw CacheConfigurationError("A Redis Cluster cache: \(error)")
            }
        case .sentinel(let sentinels, let masterName):
            guard configuration.servers.count <= 1 else {
                throw CacheConfigurationError(
                    "A Redis Sentinel cache takes at most one URL in its location (for the user, password and database); the sentinels name the primary")
            }
            do {
                servers = RedisSentinelServers(client: try RedisSentinelClient(
                    sentinels: sentinels, masterName: masterName,
                    endpoint: configuration.servers.first ?? RedisEndpoint(host: "127.0.0.1"),
                    configuration: configuration.client, eventLoopGroup: eventLoopGroup, logger: logger))
            } catch {
                throw CacheConfigurationError("A Redis Sentinel cache: \(error)")
            }
        }
    }

    // MARK: Servers

    /// Connections opened or tried so far, over all servers (for tests: an
    /// open circuit opens none).
    package var connectAttempts: Int { servers.connectAttempts }
    /// The servers' circuit breakers, in ``Configuration/servers`` order
    /// (a cluster's: the nodes used so far).
    package var breakers: [CircuitBreaker] { servers.breakers }

    /// The cluster client, when ``Configuration/topology`` is a cluster (for tests).
    package var clusterClient: RedisClusterClient? { (servers as? RedisClusterServers)?.cluster }
    /// The sentinel client, when ``Configuration/topology`` is Sentinel (for tests).
    package var sentinelClient: RedisSentinelClient? { (servers as? RedisSentinelServers)?.client }

    /// Where writes of `key` go.
    private func writer(_ key: String) -> any RedisCommandTarget { servers.writer(forKey: wireKey(key)) }

    /// Where reads of `key` go (Django's rule for replicas: see ``RedisReplicaSet``).
    private func reader(_ key: String) -> any RedisCommandTarget { servers.reader(forKey: wireKey(key)) }

    private func wireKey(_ key: String) -> String {
        configuration.namespace.isEmpty ? key : configuration.namespace + key
    }

    private func wire(_ key: String) -> RESPArgument {
        .string(wireKey(key))
    }

    /// Runs `body` against `client` with the failure mode applied.
    private func guarded<T>(_ client: any RedisCommandTarget, write: Bool, whenDown: () throws -> T,
                            _ body: () async throws -> T) async throws -> T {
        try await failures.run(write: write, breaker: client.breaker, whenDown: whenDown, body)
    }

    /// Sends one command, turning client errors into `CacheError`.
    private func send(_ client: any RedisCommandTarget, _ command: RESPCommand) async throws(CacheError) -> RESPValue {
        do {
            return try await client.send(command)
        } catch {
            throw error.cacheError(backend: name)
        }
    }

    /// Sends a pipeline, turning client errors into `CacheError`.
    private func pipeline(_ client: any RedisCommandTarget, _ commands: [RESPCommand]) async throws(CacheError) -> [RESPValue] {
        do {
            return try await client.pipeline(commands)
        } catch {
            throw error.cacheError(backend: name)
        }
    }

    private static func checked(_ reply: RESPValue, _ command: String) throws(RedisError) -> RESPValue {
        if case .error(let message) = reply { throw .server("\(command): \(message)") }
        return reply
    }

    // MARK: CacheBackend

    /// `GET`.
    public func get(_ key: String) async throws -> CacheValue? {
        let client = reader(key)
        return try await guarded(client, write: false, whenDown: { nil }) {
            switch try accepted(try await send(client, RESPCommand("GET", [wire(key)])), "GET") {
            case .bulkString(let buffer): return .bytes(Array(buffer.readableBytesView))
            case .null: return nil
            case let other: throw CacheError.backendFailure(backend: name, message: "GET answered \(other)")
            }
        }
    }

    /// `GET` and `PTTL` in one round trip: the value and the rest of its
    /// lifetime, for copies that must not outlive the entry (`NearCacheBackend`).
    public func getWithLifetime(_ key: String) async throws -> (value: CacheValue, lifetime: CacheLifetime)? {
        let client = reader(key)
        return try await guarded(client, write: false, whenDown: { nil }) {
            let replies = try await pipeline(client, [RESPCommand("GET", [wire(key)]), RESPCommand("PTTL", [wire(key)])])
            guard replies.count == 2 else {
                throw CacheError.backendFailure(backend: name, message: "GET and PTTL answered \(replies.count) replies")
            }
            let value: CacheValue
            switch try accepted(replies[0], "GET") {
            case .bulkString(let buffer): value = .bytes(Array(buffer.readableBytesView))
            case .null: return nil
            case let other: throw CacheError.backendFailure(backend: name, message: "GET answered \(other)")
            }
            switch try accepted(replies[1], "PTTL") {
            // -1: no expiry. -2: gone since the GET; the value read is still the answer, kept nowhere.
            case .integer(-1): return (value, .forever)
            case .integer(let milliseconds): return (value, .seconds(max(0, Double(milliseconds)) / 1000))
            case let other: throw CacheError.backendFailure(backend: name, message: "PTTL answered \(other)")
            }
        }
    }

    /// `SET ... PX`, or `DEL` for a zero or negative lifetime.
    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        let bytes = try await storable(key, value)
        let primary = writer(key)
        try await guarded(primary, write: true, whenDown: {}) {
            _ = try accepted(try await send(primary, setCommand(key, bytes, lifetime)), "SET")
        }
    }

    /// `SET NX`; for a zero lifetime, Django's `SET NX` then `DEL`.
    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        let bytes = try await storable(key, value, deleteOnFailure: false)
        var arguments: [RESPArgument] = [wire(key), .bytes(bytes), "NX"]
        if case .seconds(let seconds) = lifetime, seconds > 0 {
            arguments += ["PX", .integer(Self.milliseconds(seconds))]
        }
        let command = RESPCommand("SET", arguments)
        let primary = writer(key)
        return try await guarded(primary, write: true, whenDown: { false }) {
            guard case .simpleString = try accepted(try await send(primary, command), "SET NX") else { return false }
            if lifetime.isImmediatelyExpired {
                _ = try await send(primary, RESPCommand("DEL", [wire(key)]))
            }
            return true
        }
    }

    /// `PEXPIRE`, or `PERSIST` plus `EXISTS` for "never expires".
    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        let primary = writer(key)
        return try await guarded(primary, write: true, whenDown: { false }) {
            switch lifetime {
            case .forever:
                let replies = try await pipeline(primary, [RESPCommand("PERSIST", [wire(key)]), RESPCommand("EXISTS", [wire(key)])])
                return try replies.last.map { try accepted($0, "EXISTS") }?.integer == 1
            case .seconds(let seconds):
                let command = seconds > 0
                    ? RESPCommand("PEXPIRE", [wire(key), .integer(Self.milliseconds(seconds))])
                    : RESPCommand("DEL", [wire(key)])
                return try accepted(try await send(primary, command), "PEXPIRE").integer == 1
            }
        }
    }

    /// `DEL`.
    public func delete(_ key: String) async throws -> Bool {
        let primary = writer(key)
        return try await guarded(primary, write: true, whenDown: { false }) {
            try accepted(try await send(primary, RESPCommand("DEL", [wire(key)])), "DEL").integer == 1
        }
    }

    /// `EXISTS`.
    public func hasKey(_ key: String) async throws -> Bool {
        let client = reader(key)
        return try await guarded(client, write: false, whenDown: { false }) {
            try accepted(try await send(client, RESPCommand("EXISTS", [wire(key)])), "EXISTS").integer == 1
        }
    }

    /// `EXISTS` and `INCRBY` in one script: atomic, and the TTL is kept.
    public func increment(_ key: String, by delta: Int) async throws -> Int {
        let command = RESPCommand("EVAL", [.string(Self.incrementScript), 1, wire(key), .integer(delta)])
        let primary = writer(key)
        return try await guarded(primary, write: true, whenDown: { () throws -> Int in throw CacheError.keyNotFound(key: key) }) {
            switch try await send(primary, command) {
            case .integer(let value): return value
            case .null: throw CacheError.keyNotFound(key: key)
            case .error(let message) where message.contains("not an integer"):
                throw CacheError.notAnInteger(key: key)
            case .error(let message) where message.contains("overflow"):
                throw CacheError.integerOverflow(key: key)
            case let other:
                throw CacheError.backendFailure(backend: name, message: "INCRBY answered \(other)")
            }
        }
    }

    /// `MGET`: one round trip (in a cluster, one `MGET` per hash slot, in parallel).
    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        guard !keys.isEmpty else { return [:] }
        let batches = servers.batches(keys.map { Array(wireKey($0).utf8) })
        let client = reader(keys[0])
        return try await guarded(client, write: false, whenDown: { [:] }) {
            var found: [String: CacheValue] = [:]
            for part in try await inParallel(batches, { batch in
                try await self.mget(batch.map { keys[$0] }, on: batches.count == 1 ? client : self.reader(keys[batch[0]]))
            }) {
                found.merge(part) { first, _ in first }
            }
            return found
        }
    }

    private func mget(_ keys: [String], on client: any RedisCommandTarget) async throws -> [String: CacheValue] {
        let reply = try await send(client, RESPCommand("MGET", keys.map(wire)))
        guard case .array(let values) = try accepted(reply, "MGET"), values.count == keys.count else {
            throw CacheError.backendFailure(backend: name, message: "MGET answered with the wrong number of values")
        }
        var found: [String: CacheValue] = [:]
        for (key, value) in zip(keys, values) {
            if case .bulkString(let buffer) = value { found[key] = .bytes(Array(buffer.readableBytesView)) }
        }
        return found
    }

    /// One pipelined write of `SET ... PX` per key (in a cluster, one pipeline
    /// per hash slot, in parallel); returns the keys whose write failed (all
    /// of them when the write was dropped in the `miss` mode).
    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        guard !entries.isEmpty else { return [] }
        var commands: [RESPCommand] = []
        var keys: [String] = []
        var failed: [String] = []
        for entry in entries {
            guard let bytes = entry.value.storedBytes, bytes.count <= configuration.maxValueBytes else {
                failed.append(entry.key)
                commands.append(RESPCommand("DEL", [wire(entry.key)]))
                keys.append("")
                continue
            }
            commands.append(setCommand(entry.key, bytes, lifetime))
            keys.append(entry.key)
        }
        let refused = failed
        let sent = commands
        let batches = servers.batches(entries.map { Array(wireKey($0.key).utf8) })
        let primary = writer(entries[0].key)
        return try await guarded(primary, write: true, whenDown: { entries.map(\.key) }) {
            var failed = refused
            let results = try await inParallel(batches) { batch in
                let target = batches.count == 1 ? primary : self.writer(entries[batch[0]].key)
                return zip(batch, try await self.pipeline(target, batch.map { sent[$0] })).map { ($0, $1) }
            }
            for (index, reply) in results.joined() where !keys[index].isEmpty {
                if case .error(let message) = reply {
                    logger.warning("Redis refused a value in setMany", metadata: ["key": "\(keys[index])", "error": "\(message)"])
                    failed.append(keys[index])
                }
            }
            return failed
        }
    }

    /// One `DEL` with every key (in a cluster, one per hash slot, in parallel).
    public func deleteMany(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        let batches = servers.batches(keys.map { Array(wireKey($0).utf8) })
        let primary = writer(keys[0])
        try await guarded(primary, write: true, whenDown: {}) {
            _ = try await inParallel(batches) { batch in
                let target = batches.count == 1 ? primary : self.writer(keys[batch[0]])
                _ = try self.accepted(try await self.send(target, RESPCommand("DEL", batch.map { self.wire(keys[$0]) })), "DEL")
            }
        }
    }

    /// `FLUSHDB`, or `SCAN`+`UNLINK` of the keys in ``Configuration/clearScope``,
    /// on the primary (in a cluster, on every primary, in parallel).
    /// In the `miss` failure mode a server that cannot be used is skipped
    /// (its keys are not cleared).
    public func clear() async throws {
        let primary = writer("")
        try await guarded(primary, write: true, whenDown: {}) {
            let nodes: [any RedisCommandTarget]
            do throws(RedisError) {
                nodes = try await servers.primaries()
            } catch {
                throw error.cacheError(backend: name)
            }
            _ = try await inParallel(nodes) { node in try await self.clearNode(node) }
        }
    }

    private func clearNode(_ node: any RedisCommandTarget) async throws {
        switch configuration.clearScope {
        case .database:
            _ = try accepted(try await send(node, RESPCommand("FLUSHDB")), "FLUSHDB")
        case .keys(let pattern):
            var cursor = "0"
            repeat {
                let reply = try await send(node, RESPCommand("SCAN", [.string(cursor), "MATCH", .string(pattern), "COUNT", 1000]))
                guard case .array(let parts) = try accepted(reply, "SCAN"), parts.count == 2,
                      let next = parts[0].bytes, case .array(let found) = parts[1] else {
                    throw CacheError.backendFailure(backend: name, message: "SCAN answered in an unexpected form")
                }
                cursor = String(decoding: next, as: UTF8.self)
                let keys = found.compactMap(\.bytes)
                if !keys.isEmpty {
                    // One UNLINK per hash slot: a cluster node refuses keys of several slots in one command.
                    let commands = servers.batches(keys).map { batch in RESPCommand("UNLINK", batch.map { .bytes(keys[$0]) }) }
                    for reply in try await pipeline(node, commands) { _ = try accepted(reply, "UNLINK") }
                }
            } while cursor != "0"
        }
    }

    /// Runs `body` on each item, at once when there are several; results in item order.
    private func inParallel<Item: Sendable, T: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item) async throws -> T
    ) async throws -> [T] {
        if items.count == 1 { return [try await body(items[0])] }
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for (position, batch) in items.enumerated() {
                group.addTask { (position, try await body(batch)) }
            }
            var results: [(Int, T)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Keeps the connections: they are pooled for the life of the process, and
    /// Django's `RedisCache.close` keeps them too. ``shutdown()`` releases them.
    public func close() async throws {}

    /// Closes every connection for good; later calls fail with
    /// `CacheError.unavailable` and reason `.shutDown`.
    public func shutdown() {
        failures.latch.shutDown(backend: name)
        servers.close()
    }

    /// ``shutdown()``, as `Caches.shutdown(logger:)` calls it.
    public func closePermanently() async throws {
        shutdown()
    }

    // MARK: Helpers

    private func setCommand(_ key: String, _ bytes: [UInt8], _ lifetime: CacheLifetime) -> RESPCommand {
        switch lifetime {
        case .forever:
            return RESPCommand("SET", [wire(key), .bytes(bytes)])
        case .seconds(let seconds) where seconds > 0:
            return RESPCommand("SET", [wire(key), .bytes(bytes), "PX", .integer(Self.milliseconds(seconds))])
        case .seconds:
            return RESPCommand("DEL", [wire(key)])
        }
    }

    /// The bytes of `value`, refusing one over the size limit (and, for `set`,
    /// deleting the key's old value so a stale value is not served).
    private func storable(_ key: String, _ value: CacheValue, deleteOnFailure: Bool = true) async throws -> [UInt8] {
        guard let bytes = value.storedBytes else {
            throw CacheError.unencodableValue(key: key, reason: "the Redis backend stores encoded values only")
        }
        guard bytes.count <= configuration.maxValueBytes else {
            if deleteOnFailure { _ = try? await delete(key) }
            throw CacheError.valueTooLarge(key: key, size: bytes.count, limit: configuration.maxValueBytes)
        }
        return bytes
    }

    private func accepted(_ reply: RESPValue, _ command: String) throws(CacheError) -> RESPValue {
        do {
            return try Self.checked(reply, command)
        } catch {
            throw error.cacheError(backend: name)
        }
    }

    /// Milliseconds for `PX`/`PEXPIRE`, rounded up so a key never outlives
    /// less than it was asked to; at least 1.
    static func milliseconds(_ seconds: Double) -> Int {
        let value = (seconds * 1000).rounded(.up)
        return value >= Double(Int.max) ? Int.max : max(1, Int(value))
    }

    /// `pattern` with the `SCAN MATCH` glob characters escaped.
    static func escapeGlob(_ pattern: String) -> String {
        var escaped = ""
        for character in pattern {
            if "*?[]\\^".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    private static let incrementScript =
        "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return false"
}

extension CacheValue {
    /// The encoded bytes; `nil` for a live value (the Redis backend asks for encoded ones).
    fileprivate var storedBytes: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }
}
