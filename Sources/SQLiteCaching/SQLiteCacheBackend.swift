import Caching
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// Django's database cache (`DatabaseCache`) in an SQLite file: an embedded,
/// persistent cache that needs no server.
///
/// One table per alias (the settings' `location`, quoted everywhere, so any name
/// works), laid out as ``SQLiteCacheTable`` describes. The file is created on
/// first use, and so is the table unless ``Configuration/createTable`` is off;
/// with it off, a missing table is an error that names `cachectl
/// createcachetable`.
///
/// Every statement runs on NIO's blocking thread pool through sqlite-nio, on a
/// small pool of connections in WAL mode (readers never wait for the writer).
///
/// - `get`/`getMany` are one `SELECT`; expired rows seen are deleted by one more
///   statement, as in Django.
/// - `add` is one upsert that replaces only an expired row, so of two concurrent
///   adds of a key (from two connections or two processes) exactly one wins.
/// - `increment` is one `UPDATE` (the arithmetic is an SQL function installed on
///   each connection): atomic across connections and processes, keeps the expiry.
///   No operation spans a multi-statement transaction, so no connection holds
///   the write lock while waiting for a thread.
/// - `setMany`/`deleteMany` are one statement each.
/// - Culling is Django's: before each `set`/`add`/`setMany`, a `COUNT(*)`; when
///   the table holds more than `maxEntries` rows, expired rows go, then (if still
///   over) the `count / cullFrequency` rows with the lowest keys; a
///   `cullFrequency` of 0 empties the table. That evicts by key order, not by
///   use, and costs a count per write: when the cache does not need a hard bound,
///   a large `maxEntries` plus a periodic `DELETE ... WHERE expires < now` (what
///   `cachectl clear` or a cron job can do) is cheaper; Redis gives true LRU.
///
/// Read/write routing: with ``Configuration/replicaPath`` set (a read-only copy
/// such as a Litestream or LiteFS replica), `get`, `getMany` and `hasKey` read
/// from it and every write (including the deletion of expired rows) goes to the
/// primary file.
public struct SQLiteCacheBackend: CacheBackend {
    /// Settings of an SQLite backend.
    public struct Configuration: Sendable {
        /// The database file; its directory must exist.
        public var path: String
        /// The cache table.
        public var table: SQLiteCacheTable
        /// A read-only replica to read from, or `nil` to read from ``path``.
        public var replicaPath: String?
        /// Culling starts when the table holds more rows than this (default 300).
        public var maxEntries: Int
        /// `count / cullFrequency` rows are culled; 0 empties the table (default 3).
        public var cullFrequency: Int
        /// Create the table (and its index) when a connection opens (default `true`).
        public var createTable: Bool
        /// The number of connections (default 4).
        public var poolSize: Int
        /// The largest value stored, in bytes (default 1,000,000,000: SQLite's
        /// maximum length of a BLOB).
        public var maxValueBytes: Int
        /// The clock expiry is measured on (wall clock: rows outlive the process).
        public var clock: CacheClock
        /// Errors or misses while the database file cannot be opened or
        /// written (default `.error`); see ``Caching/CacheFailureMode``.
        public var failureMode: CacheFailureMode

        /// A configuration with Django's defaults.
        public init(path: String, table: String, replicaPath: String? = nil, maxEntries: Int = 300,
                    cullFrequency: Int = 3, createTable: Bool = true, poolSize: Int = 4,
                    maxValueBytes: Int = 1_000_000_000, clock: CacheClock = .wall,
                    failureMode: CacheFailureMode = .error) {
            self.path = path
            self.table = SQLiteCacheTable(name: table)
            self.replicaPath = replicaPath
            self.maxEntries = maxEntries
            self.cullFrequency = cullFrequency
            self.createTable = createTable
            self.poolSize = poolSize
            self.maxValueBytes = maxValueBytes
            self.clock = clock
            self.failureMode = failureMode
        }
    }

    /// The settings this backend was made with.
    public let configuration: Configuration
    private let primary: SQLiteConnectionPool
    private let replica: SQLiteConnectionPool?
    /// One connection that never creates the table, for `cachectl`.
    private let administration: SQLiteConnectionPool
    private let logger: Logger
    private let failures: CacheFailureHandler
    /// No circuit breaker (failing on a local file is fast): it only sums up
    /// the writes dropped in the `miss` mode, one line a second.
    private let dropped: CircuitBreaker

    /// The most parameters put in one statement (SQLite allows 32,766).
    static let maxParameters = 30_000

    /// A backend on `configuration.path`. Opens nothing until first use.
    public init(
        configuration: Configuration,
        threadPool: NIOThreadPool = .singleton,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.sqlite")
    ) {
        self.configuration = configuration
        self.logger = logger
        failures = CacheFailureHandler(mode: configuration.failureMode, logger: logger)
        dropped = CircuitBreaker(
            backend: "sqlite", server: configuration.path, settings: CircuitBreakerSettings(failureThreshold: 0),
            probeTimeout: .seconds(1), logger: logger)
        let table = configuration.table
        let createTable = configuration.createTable
        primary = SQLiteConnectionPool(
            path: configuration.path, readOnly: false, size: configuration.poolSize, threadPool: threadPool,
            eventLoopGroup: eventLoopGroup, logger: logger
        ) { connection in
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("PRAGMA synchronous = NORMAL")
            try await connection.install(customFunction: SQLiteIncrementFunction.make())
            if createTable {
                for statement in table.creationStatementsIfMissing { _ = try await connection.query(statement) }
            }
        }
        administration = SQLiteConnectionPool(
            path: configuration.path, readOnly: false, size: 1, threadPool: threadPool,
            eventLoopGroup: eventLoopGroup, logger: logger
        ) { connection in
            _ = try await connection.query("PRAGMA journal_mode = WAL")
        }
        replica = configuration.replicaPath.map { path in
            SQLiteConnectionPool(
                path: path, readOnly: true, size: configuration.poolSize, threadPool: threadPool,
                eventLoopGroup: eventLoopGroup, logger: logger) { _ in }
        }
    }

    public var name: String { "sqlite(\(configuration.path) \(configuration.table.quoted))" }

    private var table: SQLiteCacheTable { configuration.table }
    private var now: Double { configuration.clock.now() }

    /// Runs an operation with the failure mode applied.
    private func guarded<T>(write: Bool, whenDown: () throws -> T, _ body: () async throws -> T) async throws -> T {
        try await failures.run(write: write, breaker: dropped, whenDown: whenDown, body)
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> CacheValue? {
        try await guarded(write: false, whenDown: { nil }) {
            let now = self.now
            let rows = try await read { try await $0.query(self.table.select, [.text(key)]) }
            guard let row = rows.first else { return nil }
            if let value = live(row, key: key, now: now) { return .bytes(value) }
            try await write { _ = try await $0.query(self.table.deleteExpiredKey, [.text(key), .float(now)]) }
            return nil
        }
    }

    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        try await guarded(write: false, whenDown: { [:] }) {
            guard !keys.isEmpty else { return [:] }
            let now = self.now
            var found: [String: CacheValue] = [:]
            var expired: [String] = []
            for chunk in Self.chunks(keys, size: Self.maxParameters) {
                let rows = try await read { try await $0.query(self.table.selectMany(chunk.count), chunk.map { .text($0) }) }
                for row in rows {
                    guard let key = row.column("cache_key")?.string else { continue }
                    if let value = live(row, key: key, now: now) { found[key] = .bytes(value) } else { expired.append(key) }
                }
            }
            if !expired.isEmpty {
                try await write { connection in
                    for chunk in Self.chunks(expired, size: Self.maxParameters) {
                        _ = try await connection.query(self.table.deleteExpiredKeys(chunk.count), chunk.map { .text($0) } + [.float(now)])
                    }
                }
            }
            return found
        }
    }

    private func hasKey(primaryOnly key: String, now: Double) async throws -> Bool {
        try await write { try await $0.query(self.table.hasKey, [.text(key), .float(now)]) }.isEmpty == false
    }

    public func hasKey(_ key: String) async throws -> Bool {
        try await guarded(write: false, whenDown: { false }) {
            let now = self.now
            return try await read { try await $0.query(self.table.hasKey, [.text(key), .float(now)]) }.isEmpty == false
        }
    }

    // MARK: Writes

    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        try await guarded(write: true, whenDown: {  }) {
            let bytes: SQLiteData
            do {
                bytes = try storable(value, key: key)
            } catch let error as CacheError {
                // As Django's memcached backend does: a value too large to store
                // must not leave the old one behind to be served as current.
                if case .valueTooLarge = error { _ = try? await delete(key) }
                throw error
            }
            let now = self.now
            try await write { connection in
                try await self.cull(connection, now: now)
                _ = try await connection.query(self.table.upsert(1), [.text(key), bytes, .float(self.expiry(lifetime, now: now))])
            }
        }
    }

    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        try await guarded(write: true, whenDown: { false }) {
            let bytes = try storable(value, key: key)
            let now = self.now
            return try await write { connection in
                try await self.cull(connection, now: now)
                let rows = try await connection.query(
                    self.table.add, [.text(key), bytes, .float(self.expiry(lifetime, now: now)), .float(now)])
                return !rows.isEmpty
            }
        }
    }

    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        try await guarded(write: true, whenDown: { entries.map(\.key) }) {
            guard !entries.isEmpty else { return [] }
            let now = self.now
            let expires = SQLiteData.float(expiry(lifetime, now: now))
            // A later duplicate key wins, as it would with one set after another.
            var rows: [String: SQLiteData] = [:]
            var order: [String] = []
            for entry in entries {
                if rows.updateValue(try storable(entry.value, key: entry.key), forKey: entry.key) == nil { order.append(entry.key) }
            }
            let binds = order.compactMap { key in rows[key].map { [SQLiteData.text(key), $0, expires] } }
            try await write { connection in
                try await self.cull(connection, now: now)
                for chunk in Self.chunks(binds, size: Self.maxParameters / 3) {
                    _ = try await connection.query(self.table.upsert(chunk.count), chunk.flatMap { $0 })
                }
            }
            return []
        }
    }

    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        try await guarded(write: true, whenDown: { false }) {
            let now = self.now
            return try await write { connection in
                try await connection.query(self.table.touch, [.float(self.expiry(lifetime, now: now)), .text(key), .float(now)])
            }.isEmpty == false
        }
    }

    public func delete(_ key: String) async throws -> Bool {
        try await guarded(write: true, whenDown: { false }) {
            try await write { try await $0.query(self.table.delete, [.text(key)]) }.isEmpty == false
        }
    }

    public func deleteMany(_ keys: [String]) async throws {
        try await guarded(write: true, whenDown: {  }) {
            guard !keys.isEmpty else { return }
            try await write { connection in
                for chunk in Self.chunks(keys, size: Self.maxParameters) {
                    _ = try await connection.query(self.table.deleteMany(chunk.count), chunk.map { .text($0) })
                }
            }
        }
    }

    public func increment(_ key: String, by delta: Int) async throws -> Int {
        try await guarded(write: true, whenDown: { () throws -> Int in throw CacheError.keyNotFound(key: key) }) {
            let now = self.now
            // One statement (the arithmetic is a function installed on each
            // connection), so concurrent increments cannot lose an update.
            let rows: [SQLiteRow]
            do {
                rows = try await write { connection in
                    try await connection.query(self.table.increment, [.text(key), .integer(SQLiteInt64(delta)), .float(now)])
                }
            } catch CacheError.backendFailure(_, let message) where message.contains(SQLiteIncrementFunction.overflow) {
                throw CacheError.integerOverflow(key: key)
            }
            if let row = rows.first {
                guard let result = row.column("value").flatMap(SQLiteIncrementFunction.integer) else {
                    throw CacheError.notAnInteger(key: key)
                }
                return result
            }
            guard try await hasKey(primaryOnly: key, now: now) else { throw CacheError.keyNotFound(key: key) }
            throw CacheError.notAnInteger(key: key)
        }
    }

    public func clear() async throws {
        try await guarded(write: true, whenDown: {  }) {
            try await write { _ = try await $0.query(self.table.clear) }
        }
    }

    public func close() async throws {
        await primary.closeAll()
        await replica?.closeAll()
        await administration.closeAll()
    }

    // MARK: Administration (cachectl)

    /// Whether the cache table exists in the primary file.
    public func tableExists() async throws -> Bool {
        try await administer { connection in
            try await connection.query(self.table.exists, [.text(self.table.name)])
        }.isEmpty == false
    }

    /// Creates the table and its index; returns `false` when it already existed.
    public func createTable() async throws -> Bool {
        try await administer { connection in
            guard try await connection.query(self.table.exists, [.text(self.table.name)]).isEmpty else { return false }
            // No explicit transaction: a transaction spanning several statements
            // would hold the write lock between thread-pool jobs, while other
            // connections' busy handlers may hold every pool thread.
            for statement in self.table.creationStatements { _ = try await connection.query(statement) }
            return true
        }
    }

    /// Rows, expired rows, and the bytes of all values.
    public func statistics() async throws -> (entries: Int, expired: Int, bytes: Int) {
        let now = self.now
        let rows = try await administer { try await $0.query(self.table.statistics, [.float(now)]) }
        let columns = rows.first?.columns.map(\.data) ?? []
        func number(_ index: Int) -> Int { columns.count > index ? Int(columns[index].integer ?? 0) : 0 }
        return (number(0), number(1), number(2))
    }

    // MARK: Internals

    private func read<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await run(on: replica ?? primary, body)
    }

    private func write<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await run(on: primary, body)
    }

    private func administer<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await run(on: administration, body)
    }

    private func run<T: Sendable>(on pool: SQLiteConnectionPool, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        do {
            return try await pool.withConnection(body)
        } catch let error as CacheError {
            throw error
        } catch {
            throw translate(error, path: pool.path)
        }
    }

    private func translate(_ error: any Error, path: String) -> CacheError {
        guard let error = error as? SQLiteError else {
            return .backendFailure(backend: name, message: "\(error)")
        }
        if error.message.contains("no such table") {
            return .backendFailure(
                backend: name,
                message: "the cache table \(table.quoted) does not exist in \(path); create it with `cachectl createcachetable`"
                    + " (or set the option \"createTable\": true)")
        }
        switch error.reason {
        case .cantOpen:
            return .unavailable(
                backend: name, reason: .storageUnavailable,
                message: "cannot open the SQLite database \(path) (does its directory exist and is it writable?): \(error.message)")
        case .ioError, .readOnly, .full:
            return .unavailable(
                backend: name, reason: .storageUnavailable,
                message: "the SQLite database \(path) cannot be read or written (\(error.reason)): \(error.message)")
        default:
            return .backendFailure(backend: name, message: "\(error.reason): \(error.message)")
        }
    }

    /// The value of a row, or `nil` when the row is expired or damaged (a damaged
    /// row is logged, and deleted like an expired one).
    private func live(_ row: SQLiteRow, key: String, now: Double) -> [UInt8]? {
        let expires: Double
        switch row.column("expires") {
        case .float(let number)?: expires = number
        case .integer(let number)?: expires = Double(number)
        default:
            logger.warning("an SQLite cache row has a damaged expiry; treating it as expired", metadata: ["key": "\(key)"])
            return nil
        }
        guard expires > now else { return nil }
        switch row.column("value") {
        case .blob(let buffer)?: return Array(buffer.readableBytesView)
        case .text(let text)?: return Array(text.utf8)
        case .integer(let number)?: return DecimalInteger.bytes(Int(number))
        default:
            logger.warning("an SQLite cache row has a damaged value; treating it as missing", metadata: ["key": "\(key)"])
            return nil
        }
    }

    private func storable(_ value: CacheValue, key: String) throws -> SQLiteData {
        guard case .bytes(let bytes) = value else {
            throw CacheError.unencodableValue(key: key, reason: "the SQLite backend stores encoded values only")
        }
        guard bytes.count <= configuration.maxValueBytes else {
            throw CacheError.valueTooLarge(key: key, size: bytes.count, limit: configuration.maxValueBytes)
        }
        return .blob(ByteBuffer(bytes: bytes))
    }

    private func expiry(_ lifetime: CacheLifetime, now: Double) -> Double {
        min(lifetime.deadline(now: now) ?? SQLiteCacheTable.forever, SQLiteCacheTable.forever)
    }

    /// Django's culling (see the type's documentation).
    private func cull(_ connection: SQLiteConnection, now: Double) async throws {
        let count = try await Self.integer(connection.query(table.count))
        guard count > configuration.maxEntries else { return }
        if configuration.cullFrequency == 0 {
            _ = try await connection.query(table.clear)
            return
        }
        _ = try await connection.query(table.deleteAllExpired, [.float(now)])
        let remaining = try await Self.integer(connection.query(table.count))
        guard remaining > configuration.maxEntries else { return }
        let offset = remaining / configuration.cullFrequency
        if let boundary = try await connection.query(table.keyAtOffset, [.integer(SQLiteInt64(offset))]).first?.column("cache_key")?.string {
            _ = try await connection.query(table.deleteBelow, [.text(boundary)])
        }
    }

    private static func integer(_ rows: [SQLiteRow]) -> Int {
        Int(rows.first?.columns.first?.data.integer ?? 0)
    }

    static func chunks<Element>(_ items: [Element], size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }
}
