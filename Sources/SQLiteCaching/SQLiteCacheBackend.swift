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
/// Statements run on NIO's blocking thread pool through sqlite-nio, on a small
/// pool of reading connections and one writing connection, in WAL mode
/// (readers never wait for the writer) — except `get` and `hasKey`:
///
/// - `get` and `hasKey` run on the caller's thread, as Django's do: one
///   `SELECT` through a statement prepared once (`SQLiteDirectReader`), with
///   no thread hand-off. A read of cached pages takes microseconds, where the
///   two hand-offs to the thread pool and back cost more than the read; a read
///   that must go to disk blocks the caller for it. A read that cannot be done
///   there (the file locked, every reading handle in use, before the first
///   connection has prepared the file) takes the thread pool, where concurrent
///   `get`s are coalesced into one `WHERE cache_key IN (…)` (`CallBatcher`).
///   Expired rows seen are deleted by one more statement, as in Django.
/// - Group commit: concurrent `set`, `add`, `touch`, `delete` and `increment`
///   calls queue for the one writer, which takes all that wait and runs them
///   in one `BEGIN IMMEDIATE … COMMIT` transaction (`SQLCacheGroupCommit`
///   says how every caller still gets its own exact result). A call that
///   finds the writer idle runs at once, alone. The batch commits on the
///   calling task's thread through statements prepared once
///   (`SQLiteDirectWriter`), with no thread hand-off; a batch with an
///   `increment`, a file locked by another process, or any error takes the
///   writer connection on the thread pool instead (`set`s, `add`s and
///   `delete`s there are one multi-row statement each), which waits up to
///   5 s for the lock and reports errors.
/// - `add` is one upsert that replaces only an expired row, so of two concurrent
///   adds of a key (from two connections or two processes) exactly one wins.
/// - `increment` is one `UPDATE` (the arithmetic is an SQL function installed on
///   each connection): atomic across connections and processes, keeps the expiry.
/// - `setMany`/`deleteMany` are one statement each.
/// - The caches of one process on one file take turns to write
///   (`SQLiteWriteLock`), so no connection of the process waits for another
///   inside SQLite while holding a pool thread; the writer connection waits at
///   most 5 s for another process's write lock, then fails with `busy`.
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
public struct SQLiteCacheBackend: CacheBackend, SQLCacheGroupCommitting {
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
        /// written (default `.error`); see `CacheFailureMode`.
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
    /// The one connection every write goes through (group commit).
    private let writer: SQLiteConnectionPool
    /// Taken around every write, shared by the caches on the same file.
    private let writeLock: SQLiteWriteLock
    /// Concurrent writes, run as one transaction per batch.
    private let writes: CallBatcher<SQLCacheWrite, SQLCacheWriteOutcome>
    /// Concurrent `get`s that cannot read directly, coalesced into one
    /// `SELECT … IN (…)` per batch.
    private let reads: CallBatcher<String, SQLiteRow?>
    private let replica: SQLiteConnectionPool?
    /// `get` and `hasKey` on the caller's thread, when they can be.
    let directReader: SQLiteDirectReader
    /// Batches of writes on the caller's thread, when they can be.
    let directWriter: SQLiteDirectWriter
    /// One connection that never creates the table, for `cachectl`.
    private let administration: SQLiteConnectionPool
    private let logger: Logger
    /// Culling runs (`swift_caching_culls_total`, location `path table`).
    private let storeMetrics: CacheStoreMetrics
    private let failures: CacheFailureHandler
    /// No circuit breaker (failing on a local file is fast): it only sums up
    /// the writes dropped in the `miss` mode, one line a second.
    private let dropped: CircuitBreaker

    /// The most parameters put in one statement (SQLite allows 32,766).
    static let maxParameters = 30_000
    /// The most calls in one batch of reads or writes.
    static let maxBatch = 512
    /// How long the writer waits for the file's write lock.
    static let busyTimeoutMilliseconds = 5_000

    /// A backend on `configuration.path`. Opens nothing until first use.
    public init(
        configuration: Configuration,
        threadPool: NIOThreadPool = .singleton,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.sqlite")
    ) {
        self.configuration = configuration
        self.logger = logger
        storeMetrics = CacheStoreMetrics(backend: "sqlite", location: configuration.path + " " + configuration.table.name)
        failures = CacheFailureHandler(mode: configuration.failureMode, logger: logger)
        dropped = CircuitBreaker(
            backend: "sqlite", server: configuration.path, settings: CircuitBreakerSettings(failureThreshold: 0),
            probeTimeout: .seconds(1), logger: logger)
        let table = configuration.table
        let createTable = configuration.createTable
        let prepare: SQLiteConnectionPool.Preparation = { connection in
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("PRAGMA synchronous = NORMAL")
            try await connection.install(customFunction: SQLiteIncrementFunction.make())
            if createTable {
                for statement in table.creationStatementsIfMissing { _ = try await connection.query(statement) }
            }
        }
        primary = SQLiteConnectionPool(
            path: configuration.path, readOnly: false, size: configuration.poolSize, threadPool: threadPool,
            eventLoopGroup: eventLoopGroup, logger: logger, prepare: prepare)
        writer = SQLiteConnectionPool(
            path: configuration.path, readOnly: false, size: 1, threadPool: threadPool,
            eventLoopGroup: eventLoopGroup, logger: logger
        ) { connection in
            try await prepare(connection)
            _ = try await connection.query("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)")
        }
        writeLock = SQLiteWriteLock.forFile(configuration.path)
        writes = CallBatcher(maxRunning: 1, maxBatch: Self.maxBatch)
        reads = CallBatcher(maxRunning: max(1, configuration.poolSize), maxBatch: Self.maxBatch)
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
        directReader = SQLiteDirectReader(pool: replica ?? primary, table: table)
        directWriter = SQLiteDirectWriter(
            pool: writer, table: table, maxEntries: configuration.maxEntries, cullFrequency: configuration.cullFrequency,
            storeMetrics: storeMetrics)
    }

    public var name: String { "sqlite(\(configuration.path) \(configuration.table.quoted))" }

    package var table: SQLiteCacheTable { configuration.table }
    package var now: Double { configuration.clock.now() }
    package var maxValueBytes: Int { configuration.maxValueBytes }
    package var backendDescription: String { "the SQLite backend" }

    /// Runs an operation with the failure mode applied.
    package func guarded<T>(write: Bool, whenDown: () throws -> T, _ body: () async throws -> T) async throws -> T {
        try await failures.run(write: write, breaker: dropped, whenDown: whenDown, body)
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> CacheValue? {
        try await guarded(write: false, whenDown: { nil }) {
            let now = self.now
            let stored: [UInt8]?
            switch directReader.row(key) {
            case .found(let value, let expires)?:
                stored = live(value: value, expires: expires, key: key, now: now)
            case .missing?:
                return nil
            case nil:
                guard let row = try await reads.submit(key, using: { keys in await self.rows(keys) }) else { return nil }
                stored = live(row, key: key, now: now)
            }
            if let stored { return .bytes(stored) }
            try await write { _ = try await $0.query(self.table.deleteExpiredKey, [.text(key), .float(now)]) }
            return nil
        }
    }

    /// The rows of a batch of `get`s: one `SELECT` for one key, one
    /// `SELECT … IN (…)` for several.
    private func rows(_ keys: [String]) async -> [Result<SQLiteRow?, any Error>] {
        do {
            if keys.count == 1 {
                let rows = try await read { try await $0.query(self.table.select, [.text(keys[0])]) }
                return [.success(rows.first)]
            }
            var unique: [String] = []
            var seen = Set<String>()
            for key in keys where seen.insert(key).inserted { unique.append(key) }
            var found: [String: SQLiteRow] = [:]
            for chunk in Self.chunks(unique, size: Self.maxParameters) {
                let rows = try await read { try await $0.query(self.table.selectMany(chunk.count), chunk.map { .text($0) }) }
                for row in rows { if let key = row.column("cache_key")?.string { found[key] = row } }
            }
            return keys.map { .success(found[$0]) }
        } catch {
            return Array(repeating: .failure(error), count: keys.count)
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

    public func hasKey(_ key: String) async throws -> Bool {
        try await guarded(write: false, whenDown: { false }) {
            let now = self.now
            if let found = directReader.hasKey(key, now: now) { return found }
            return try await read { try await $0.query(self.table.hasKey, [.text(key), .float(now)]) }.isEmpty == false
        }
    }

    // MARK: Writes

    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        try await committedSet(key, value: value, lifetime: lifetime)
    }

    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        try await committedAdd(key, value: value, lifetime: lifetime)
    }

    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        try await guarded(write: true, whenDown: { entries.map(\.key) }) {
            guard !entries.isEmpty else { return [] }
            let now = self.now
            let expires = SQLiteData.float(expiry(lifetime, now: now))
            // A later duplicate key wins, as it would with one set after another.
            var rows: [String: ByteBuffer] = [:]
            var order: [String] = []
            for entry in entries {
                if rows.updateValue(try storable(entry.value, key: entry.key), forKey: entry.key) == nil { order.append(entry.key) }
            }
            let binds = order.compactMap { key in rows[key].map { [SQLiteData.text(key), .blob($0), expires] } }
            try await write { connection in
                try await self.session(connection).cull(now: now)
                for chunk in Self.chunks(binds, size: Self.maxParameters / 3) {
                    _ = try await connection.query(self.table.upsert(chunk.count), chunk.flatMap { $0 })
                }
            }
            return []
        }
    }

    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        try await committedTouch(key, lifetime: lifetime)
    }

    public func delete(_ key: String) async throws -> Bool {
        try await committedDelete(key)
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
        try await committedIncrement(key, by: delta)
    }

    public func clear() async throws {
        try await guarded(write: true, whenDown: {  }) {
            try await write { _ = try await $0.query(self.table.clear) }
        }
    }

    public func close() async throws {
        await primary.closeAll()
        directReader.closeAll()
        try? await writeLock.withLock { directWriter.closeAll() }
        await writer.closeAll()
        await replica?.closeAll()
        await administration.closeAll()
    }

    /// Closes the database files for good; later calls fail with
    /// `CacheError.unavailable` and reason `.shutDown`.
    public func closePermanently() async throws {
        guard failures.latch.shutDown(backend: name) else { return }
        try await close()
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
        try await writeLock.withLock { try await run(on: writer, body) }
    }

    /// Queues a write for the writer connection (group commit).
    package func submit(_ write: SQLCacheWrite) async throws -> SQLCacheWriteOutcome {
        try await writes.submit(write, using: { batch in await self.commit(batch) })
    }

    private func session(_ connection: SQLiteConnection) -> SQLiteWriteSession {
        SQLiteWriteSession(
            connection: connection, table: table, maxEntries: configuration.maxEntries,
            cullFrequency: configuration.cullFrequency, storeMetrics: storeMetrics)
    }

    /// Runs a batch of writes: on the caller's thread in one transaction
    /// when it can (``SQLiteDirectWriter``); otherwise on the writer
    /// connection, alone without a transaction, several in one.
    private func commit(_ batch: [SQLCacheWrite]) async -> [Result<SQLCacheWriteOutcome, any Error>] {
        let now = self.now
        if let direct = try? await writeLock.withLock({ await directWriter.commit(batch, now: now) }) {
            return direct
        }
        let maxEntries = configuration.maxEntries
        let results: [Result<SQLCacheWriteOutcome, any Error>]
        do {
            results = try await write { connection in
                let session = self.session(connection)
                guard batch.count > 1 else {
                    return await SQLCacheGroupCommit.run(batch, now: now, maxEntries: maxEntries, session: session)
                }
                _ = try await connection.query("BEGIN IMMEDIATE")
                let results = await SQLCacheGroupCommit.run(batch, now: now, maxEntries: maxEntries, session: session)
                do {
                    // An error that breaks the connection fails the whole batch
                    // (and the pool closes the connection).
                    for case .failure(let error) in results where SQLiteConnectionPool.breaksConnection(error) { throw error }
                    _ = try await connection.query("COMMIT")
                } catch {
                    _ = try? await connection.query("ROLLBACK")
                    throw error
                }
                return results
            }
        } catch {
            return Array(repeating: .failure(error), count: batch.count)
        }
        return results.map { result in
            result.mapError { error in (error as? CacheError) ?? self.translate(error, path: self.writer.path) }
        }
    }

    private func administer<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await writeLock.withLock { try await run(on: administration, body) }
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
        live(value: row.column("value"), expires: row.column("expires"), key: key, now: now)
    }

    /// `live` for a row's two columns, however they were read.
    private func live(value: SQLiteData?, expires: SQLiteData?, key: String, now: Double) -> [UInt8]? {
        let deadline: Double
        switch expires {
        case .float(let number)?: deadline = number
        case .integer(let number)?: deadline = Double(number)
        default:
            logger.warning("an SQLite cache row has a damaged expiry; treating it as expired", metadata: ["key": "\(key)"])
            return nil
        }
        guard deadline > now else { return nil }
        switch value {
        case .blob(let buffer)?: return Array(buffer.readableBytesView)
        case .text(let text)?: return Array(text.utf8)
        case .integer(let number)?: return DecimalInteger.bytes(Int(number))
        default:
            logger.warning("an SQLite cache row has a damaged value; treating it as missing", metadata: ["key": "\(key)"])
            return nil
        }
    }

    static func chunks<Element>(_ items: [Element], size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }
}
