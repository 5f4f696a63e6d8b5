import Caching
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Django's database cache (`DatabaseCache`) on PostgreSQL: a shared, persistent
/// cache on the database an application already runs.
///
/// One table per alias (the settings' `location`, quoted everywhere), laid out as
/// ``PostgresCacheTable`` describes. The table is made by `cachectl
/// createcachetable` (or on first use with ``Configuration/createTable``); a
/// missing table is an error that says so.
///
/// Connections come from a ``PostgresCacheConnectionPool``, opened on first
/// use; nothing blocks an event loop. Every operation is one round trip except
/// where noted:
///
/// - `get`/`getMany` are one `SELECT` (`= ANY($1)` for many keys); expired rows
///   seen are deleted by one more statement, as in Django.
/// - `set`, `add` and `setMany` are one statement each: the upsert and the
///   bounded row count for culling travel together. `add` replaces only an
///   expired row, so of two concurrent adds exactly one wins.
/// - `increment` is one `UPDATE` that does the arithmetic in the server: atomic,
///   and the expiry is untouched.
/// - Concurrent `get`s are coalesced into one `= ANY($1)` query, and
///   concurrent `set`, `add`, `touch`, `delete` and `increment` calls into
///   multi-row statements (`INSERT … SELECT FROM unnest($1, $2, $3)`, one
///   `DELETE … = ANY($1)`) by group commit: a call that finds a free slot
///   runs at once, alone; calls that arrive while every slot is busy go
///   together in the next one, each with its own exact result
///   (`SQLCacheGroupCommit`). Writes have one slot: a process's
///   writes follow one order, so culling counts are Django's exactly.
/// - Culling is Django's arithmetic: when the table held more than `maxEntries`
///   rows before a write, expired rows go, then (if still over) the
///   `count / cullFrequency` rows with the lowest keys; a `cullFrequency` of 0
///   empties the table. The count is taken in the write's own snapshot and the
///   culling follows it (sparing the keys just written), which keeps Django's
///   counts without a separate `COUNT` round trip. Django's policy evicts by key
///   order; when a true LRU matters, Redis is the better store, and with a large
///   `maxEntries` a periodic `DELETE ... WHERE expires < now` keeps the table small.
///
/// Read/write routing: with ``Configuration/replicaURL`` set, `get`, `getMany` and
/// `hasKey` read from the replica; every write (including the deletion of expired
/// rows) goes to the primary.
///
/// Every operation is bounded as a whole by ``Configuration/timeout``, and each
/// server has a circuit breaker (``Configuration/breaker``). A server that
/// cannot be used is `CacheError.unavailable(backend:reason:message:)` —
/// connection refused, authentication failed, database missing (or role
/// missing), connection lost, circuit open — or
/// `CacheError.timeout(backend:message:)`; with ``Configuration/failureMode``
/// `miss` it is a miss instead (see `CacheFailureMode`). Calls work
/// again once the server is back.
public struct PostgresCacheBackend: CacheBackend, SQLCacheGroupCommitting {
    /// Settings of a PostgreSQL backend.
    public struct Configuration: Sendable {
        /// The primary server.
        public var url: PostgresConnectionURL
        /// A replica to read from, or `nil` to read from the primary.
        public var replicaURL: PostgresConnectionURL?
        /// The cache table.
        public var table: PostgresCacheTable
        /// Culling starts when the table holds more rows than this (default 300).
        public var maxEntries: Int
        /// `count / cullFrequency` rows are culled; 0 empties the table (default 3).
        public var cullFrequency: Int
        /// Create the table on first use (default `false`: DDL on a shared server
        /// is `cachectl createcachetable`'s job).
        public var createTable: Bool
        /// The most connections per server (default 10).
        public var maxConnections: Int
        /// The longest an operation may take, connecting included (default 5 s).
        public var timeout: Duration
        /// The largest value stored, in bytes (default 1 GiB − 1: BYTEA's limit).
        public var maxValueBytes: Int
        /// The clock expiry is measured on (wall clock, shared by every client).
        public var clock: CacheClock
        /// Errors or misses while the server cannot be used (default `.error`).
        public var failureMode: CacheFailureMode
        /// When the server's calls start failing at once, and for how long.
        public var breaker: CircuitBreakerSettings
        /// Whether writes wait for the server's disk (PostgreSQL's
        /// `synchronous_commit`; default `false`: see
        /// ``PostgresCacheConnectionPool/init(url:maxConnections:connectTimeout:breaker:synchronousCommit:logger:)``).
        /// Not applied to a pool given to the backend.
        public var synchronousCommit: Bool = false

        /// A configuration with Django's defaults.
        public init(url: PostgresConnectionURL, table: String, replicaURL: PostgresConnectionURL? = nil,
                    maxEntries: Int = 300, cullFrequency: Int = 3, createTable: Bool = false,
                    maxConnections: Int = 10, timeout: Duration = .seconds(5),
                    maxValueBytes: Int = (1 << 30) - 1, clock: CacheClock = .wall,
                    failureMode: CacheFailureMode = .error, breaker: CircuitBreakerSettings = CircuitBreakerSettings()) {
            self.url = url
            self.replicaURL = replicaURL
            self.table = PostgresCacheTable(name: table)
            self.maxEntries = maxEntries
            self.cullFrequency = cullFrequency
            self.createTable = createTable
            self.maxConnections = maxConnections
            self.timeout = timeout
            self.maxValueBytes = maxValueBytes
            self.clock = clock
            self.failureMode = failureMode
            self.breaker = breaker
        }
    }

    /// The settings this backend was made with.
    public let configuration: Configuration
    private let primary: PostgresCacheConnectionPool
    private let replica: PostgresCacheConnectionPool?
    /// Whether ``close()`` closes the primary pool (not when it was given).
    private let ownsPrimary: Bool
    private let tableReady: TableCreationGate
    private let logger: Logger
    /// Culling runs (`swift_caching_culls_total`, location: the table, never
    /// the URL, which may hold a password).
    private let storeMetrics: CacheStoreMetrics
    /// Concurrent `get`s, coalesced into `= ANY($1)` queries.
    private let reads: CallBatcher<String, RowRead?>
    /// Concurrent writes, coalesced into multi-row statements (group commit).
    private let writes: CallBatcher<SQLCacheWrite, SQLCacheWriteOutcome>

    /// A row as read: the value and its expiry time, or why that one row
    /// could not be read (it fails only the reads of its own key).
    typealias RowRead = Result<(value: ByteBuffer, expires: Double), CacheError>
    private let failures: CacheFailureHandler

    /// A backend on `configuration.url`. Connects on first use.
    ///
    /// Pass `pool` to share one connection pool between several caches on the
    /// same server: its owner closes it, and this backend's ``close()`` leaves it
    /// open.
    public init(configuration: Configuration, pool: PostgresCacheConnectionPool? = nil,
                logger: Logger = Logger(label: "swift-caching.postgres")) {
        self.configuration = configuration
        self.logger = logger
        storeMetrics = CacheStoreMetrics(backend: "postgres", location: configuration.table.name)
        ownsPrimary = pool == nil
        primary = pool ?? PostgresCacheConnectionPool(
            url: configuration.url, maxConnections: configuration.maxConnections,
            connectTimeout: configuration.timeout, breaker: configuration.breaker,
            synchronousCommit: configuration.synchronousCommit, logger: logger)
        replica = configuration.replicaURL.map {
            PostgresCacheConnectionPool(url: $0, maxConnections: configuration.maxConnections,
                                        connectTimeout: configuration.timeout, breaker: configuration.breaker, logger: logger)
        }
        failures = CacheFailureHandler(mode: configuration.failureMode, logger: logger)
        let tableReady = TableCreationGate()
        self.tableReady = tableReady
        // Two read batches at a time: one on the wire while the other's rows
        // are decoded. More only splits the waiting calls into more, smaller
        // statements, each with its own cost on the server (2 against 4, 32
        // tasks, server on the same 2 cores: 1.3x the get-hits per second).
        reads = CallBatcher(maxRunning: min(2, configuration.maxConnections), maxBatch: Self.maxBatch)
        // One batch at a time: the writes of this process then follow one
        // order, and Django's culling arithmetic holds exactly for them.
        writes = CallBatcher(maxRunning: 1, maxBatch: Self.maxBatch)
    }

    /// The most calls in one batch of reads or writes.
    static let maxBatch = 512

    public var name: String { "postgres(\(configuration.url) \(configuration.table.quoted))" }

    package var table: PostgresCacheTable { configuration.table }
    package var now: Double { configuration.clock.now() }
    package var maxValueBytes: Int { configuration.maxValueBytes }
    package var backendDescription: String { "the PostgreSQL backend" }

    /// Connection checks made so far, over both servers (for tests: an open
    /// circuit makes none).
    package var connectAttempts: Int { primary.connectAttempts + (replica?.connectAttempts ?? 0) }

    /// Runs an operation with the failure mode applied.
    package func guarded<T>(write: Bool, whenDown: () throws -> T, _ body: () async throws -> T) async throws -> T {
        try await failures.run(write: write, breaker: (write ? nil : replica)?.breaker ?? primary.breaker,
                               whenDown: whenDown, body)
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> CacheValue? {
        try await guarded(write: false, whenDown: { nil }) {
            let now = self.now
            guard let row = try await reads.submit(key, using: { keys in await self.rows(keys) }) else { return nil }
            let (value, expires) = try row.get()
            if expires > now { return .bytes(Array(value.readableBytesView)) }
            _ = try await write(table.deleteExpiredKeys) { $0.append([key]); $0.append(now) }
            return nil
        }
    }

    /// The rows of a batch of `get`s in one query, one answer per key. A
    /// damaged row fails only its own key.
    private func rows(_ keys: [String]) async -> [Result<RowRead?, any Error>] {
        do {
            let found = try await rows(unique: Array(Set(keys)))
            return keys.map { .success(found[$0]) }
        } catch {
            return Array(repeating: .failure(error), count: keys.count)
        }
    }

    private func rows(unique keys: [String]) async throws -> [String: RowRead] {
        let rows = try await read(table.selectMany) { $0.append(keys) }
        var found: [String: RowRead] = [:]
        for row in rows {
            let cells = row.makeRandomAccess()
            // A row whose key cannot be read cannot be anyone's answer.
            guard cells.count == 3, let key = try? cells[0].decode(String.self, context: .default) else { continue }
            found[key] = Result {
                try decoded(key: key) {
                    (try cells[1].decode(ByteBuffer.self, context: .default), try cells[2].decode(Double.self, context: .default))
                }
            }.mapError { ($0 as? CacheError) ?? .undecodableValue(key: key, reason: "\($0)") }
        }
        return found
    }

    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        try await guarded(write: false, whenDown: { [:] }) {
            guard !keys.isEmpty else { return [:] }
            let now = self.now
            let rows = try await read(table.selectMany) { $0.append(keys) }
            var found: [String: CacheValue] = [:]
            var expired: [String] = []
            for row in rows {
                let (key, value, expires) = try decoded(key: "") { try row.decode((String, ByteBuffer, Double).self) }
                if expires > now { found[key] = .bytes(Array(value.readableBytesView)) } else { expired.append(key) }
            }
            if !expired.isEmpty {
                _ = try await write(table.deleteExpiredKeys) { $0.append(expired); $0.append(now) }
            }
            return found
        }
    }

    public func hasKey(_ key: String) async throws -> Bool {
        try await guarded(write: false, whenDown: { false }) {
            let now = self.now
            return try await !read(table.hasKey) { $0.append(key); $0.append(now) }.isEmpty
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
            // One row per key (an upsert cannot touch a row twice); a later duplicate wins.
            var position: [String: Int] = [:]
            var keys: [String] = []
            var values: [ByteBuffer] = []
            for entry in entries {
                let bytes = try storable(entry.value, key: entry.key)
                if let index = position[entry.key] {
                    values[index] = bytes
                } else {
                    position[entry.key] = keys.count
                    keys.append(entry.key)
                    values.append(bytes)
                }
            }
            let expires = expiry(lifetime, now: now)
            let rows = try await write(table.setMany) { binds in
                binds.append(self.countLimit)
                binds.append(keys)
                binds.append(values)
                binds.append(expires)
            }
            try await cullIfNeeded(rows, sparing: keys, now: now)
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
            _ = try await write(table.deleteMany) { $0.append(keys) }
        }
    }

    public func increment(_ key: String, by delta: Int) async throws -> Int {
        try await committedIncrement(key, by: delta)
    }

    /// Queues a write; concurrent ones go together (group commit).
    package func submit(_ write: SQLCacheWrite) async throws -> SQLCacheWriteOutcome {
        try await writes.submit(write, using: { batch in
            await SQLCacheGroupCommit.run(
                batch, now: self.now, maxEntries: self.configuration.maxEntries, session: PostgresWriteSession(backend: self))
        })
    }

    /// One write by itself, one statement (plus culling when the table is
    /// over `maxEntries`).
    func runAlone(_ write: SQLCacheWrite, now: Double) async throws -> SQLCacheWriteOutcome {
        switch write {
        case .set(let key, let bytes, let expires):
            let rows = try await self.write(table.set) { binds in
                binds.append(self.countLimit)
                binds.append(key)
                binds.append(bytes)
                binds.append(expires)
            }
            try await cullIfNeeded(rows, sparing: [key], now: now)
            return .stored
        case .add(let key, let bytes, let expires):
            let rows = try await self.write(table.add) { binds in
                binds.append(self.countLimit)
                binds.append(key)
                binds.append(bytes)
                binds.append(expires)
                binds.append(now)
            }
            let stored = try rows.first.map { row in try decoded(key: key) { try row.decode((Int, Int).self) }.1 } ?? 0
            try await cullIfNeeded(rows, sparing: stored > 0 ? [key] : [], now: now)
            return .changed(stored > 0)
        case .touch(let key, let expires):
            return .changed(try await !self.write(table.touch) { binds in
                binds.append(expires)
                binds.append(key)
                binds.append(now)
            }.isEmpty)
        case .delete(let key):
            return .changed(try await !self.write(table.delete) { $0.append(key) }.isEmpty)
        case .increment(let key, let delta):
            return .integer(try await increment(key, delta: delta, now: now))
        }
    }

    private func increment(_ key: String, delta: Int, now: Double) async throws -> Int {
        let rows: [PostgresRow]
        do {
            rows = try await write(table.increment) { binds in
                binds.append(key)
                binds.append(delta)
                binds.append(now)
            }
        } catch CacheError.backendFailure(_, let message) where message.contains("[22003]") {
            throw CacheError.integerOverflow(key: key)
        }
        if let row = rows.first {
            let bytes = try decoded(key: key) { try row.decode(ByteBuffer.self) }
            guard let result = DecimalInteger.parse(bytes.readableBytesView) else { throw CacheError.notAnInteger(key: key) }
            return result
        }
        let liveness = try await write(table.liveness) { $0.append(key); $0.append(now) }
        let live = try liveness.first.map { row in try decoded(key: key) { try row.decode(Bool.self) } } ?? false
        guard live else { throw CacheError.keyNotFound(key: key) }
        throw CacheError.notAnInteger(key: key)
    }

    public func clear() async throws {
        try await guarded(write: true, whenDown: {  }) {
            _ = try await write(table.clear) { _ in }
        }
    }

    public func close() async throws {
        if ownsPrimary { await primary.close() }
        await replica?.close()
    }

    /// Stops the clients for good and waits until their connections are
    /// closed; later calls fail with `CacheError.unavailable` and reason `.shutDown`.
    public func closePermanently() async throws {
        guard failures.latch.shutDown(backend: name) else { return }
        try await close()
    }

    // MARK: Administration (cachectl)

    /// Whether the cache table exists on the primary.
    public func tableExists() async throws -> Bool {
        let rows = try await execute(table.exists, on: primary) { $0.append(self.table.quoted) }
        return try rows.first.map { row in try decoded(key: "") { try row.decode(Bool.self) } } ?? false
    }

    /// Creates the table and its index in one transaction; returns `false` when it
    /// already existed.
    public func createTable() async throws -> Bool {
        guard try await !tableExists() else { return false }
        try await run(on: primary) { session in
            try await session.transaction(self.table.creationStatements, logger: self.logger)
        }
        return true
    }

    /// Rows, expired rows, and the bytes of all values.
    public func statistics() async throws -> (entries: Int, expired: Int, bytes: Int) {
        let now = self.now
        let rows = try await execute(table.statistics, on: primary) { $0.append(now) }
        guard let row = rows.first else { return (0, 0, 0) }
        return try decoded(key: "") { try row.decode((Int, Int, Int).self) }
    }

    // MARK: Internals

    /// Rows counted before a write are bounded: `n > maxEntries` is all culling asks.
    private var countLimit: Int { max(configuration.maxEntries, 0) + 1 }

    private func read(_ sql: String, _ bind: (inout PostgresBindings) -> Void) async throws -> [PostgresRow] {
        try await execute(sql, on: replica ?? primary, bind)
    }

    func write(_ sql: String, _ bind: (inout PostgresBindings) -> Void) async throws -> [PostgresRow] {
        try await execute(sql, on: primary, bind)
    }

    private func execute(_ sql: String, on holder: PostgresCacheConnectionPool,
                         _ bind: (inout PostgresBindings) -> Void) async throws -> [PostgresRow] {
        var binds = PostgresBindings()
        bind(&binds)
        if configuration.createTable && holder === primary { try await ensureTable() }
        let bindings = binds
        return try await run(on: holder) { session in
            try await PostgresCacheStatement.run(bindings, sql: sql, on: session, logger: self.logger)
        }
    }

    private func ensureTable() async throws {
        guard !tableReady.isDone else { return }
        // IF NOT EXISTS is not race-free in PostgreSQL: a connection creating
        // the table at the same moment makes this one fail with a duplicate
        // table (42P07), row type (42710) or catalog key (23505). The other
        // creation may not have committed yet, so the statements run again
        // (a few times, briefly apart) until they find the table there.
        for attempt in 1...5 {
            do {
                try await run(on: primary) { session in
                    for statement in self.table.creationStatementsIfMissing {
                        try await session.query(statement, logger: self.logger)
                    }
                }
                break
            } catch CacheError.backendFailure(_, let message)
                where attempt < 5 && ["[23505]", "[42P07]", "[42710]"].contains(where: { message.contains($0) }) {
                try await Task.sleep(for: .milliseconds(20 * attempt))
            }
        }
        tableReady.markDone()
    }

    /// Runs `body` on the server, bounded by the timeout as a whole, with
    /// errors turned into `CacheError`s and the server's circuit breaker
    /// consulted and told.
    ///
    /// On the pool's own connections (see ``PostgresCacheConnectionPool``) a
    /// connection's timer closes the connection under a call past its
    /// deadline and answers the call then (`PostgresCacheConnection`). On a
    /// client the application gave, the work
    /// runs in a task of its own, so that when the time is up the caller gets
    /// its error at once even if the driver does not react to cancellation;
    /// with the first query, and after the server could not be used, the pool
    /// checks the server with a connection of its own, so the error says why.
    private func run<T: Sendable>(on holder: PostgresCacheConnectionPool,
                                  _ body: @escaping @Sendable (PostgresCacheSession) async throws -> T) async throws -> T {
        guard let connections = holder.connections else { return try await runOnClient(holder, body) }
        let timeout = configuration.timeout
        return try await connections.run(timeout: timeout) { connection, deadline in
            do {
                return try await connection.run(until: deadline) { try await body(.connection(connection.connection)) }
            } catch {
                if connection.timedOut {
                    throw CacheError.timeout(
                        backend: name,
                        message: "PostgreSQL at \(holder.url) did not answer within the \(CircuitBreaker.seconds(timeout)) s timeout; the connection was closed")
                }
                if let error = error as? CacheError { throw error }
                throw translate(error, url: holder.url)
            }
        }
    }

    /// ``run(on:_:)`` on a client the application runs.
    private func runOnClient<T: Sendable>(_ holder: PostgresCacheConnectionPool,
                                          _ body: @escaping @Sendable (PostgresCacheSession) async throws -> T) async throws -> T {
        let breaker = holder.breaker
        if case .rejected(let retryIn, let lastError) = breaker.admit() {
            throw CacheError.unavailable(
                backend: name, reason: .circuitOpen,
                message: "PostgreSQL at \(holder.url) is failing (circuit open); calls fail at once for \(CircuitBreaker.seconds(retryIn)) s more"
                    + " (last error: \(lastError))")
        }
        let timeout = configuration.timeout
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            // Checked alongside the query, not before it: a good server costs
            // no extra wait, a bad one is reported as soon as the check says why.
            let check = try holder.startCheck(backend: name)
            let result = try await race(on: holder, until: deadline, check: check, body)
            holder.markPassed()
            breaker.succeeded()
            return result
        } catch let error as CacheError {
            if error.isServerUnavailable {
                holder.markUnchecked()
                if case .timeout = error { breaker.failed("\(error)", timedOut: true) } else { breaker.failed("\(error)") }
            } else {
                breaker.succeeded()
            }
            throw error
        }
    }

    /// `body` raced against `deadline` and against a failing `check`.
    private func race<T: Sendable>(on holder: PostgresCacheConnectionPool, until deadline: NIODeadline,
                                   check: EventLoopFuture<Void>?,
                                   _ body: @escaping @Sendable (PostgresCacheSession) async throws -> T) async throws -> T {
        guard let client = holder.client else {
            throw CacheError.backendFailure(backend: name, message: "no PostgreSQL client to run on (please report this bug)")
        }
        let timeout = configuration.timeout
        let outcome = DeadlineRace<T>()
        let work = Task {
            do {
                outcome.finish(.success(try await body(.client(client))))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        let name = self.name
        check?.whenFailure { error in
            if outcome.finish(.failure(holder.checkError(error, backend: name))) { work.cancel() }
        }
        // An event-loop timer, not a sleeping task: a task's sleep goes through
        // the global executor's timer queue, which cost more than the query.
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(deadline: deadline) {
            if outcome.finish(.failure(CacheError.timeout(
                backend: name,
                message: "PostgreSQL at \(holder.url) did not answer within the \(CircuitBreaker.seconds(timeout)) s timeout"))) {
                work.cancel()
            }
        }
        do {
            let result = try await outcome.value
            timer.cancel()
            return result
        } catch let error as CacheError {
            timer.cancel()
            throw error
        } catch {
            timer.cancel()
            throw translate(error, url: holder.url)
        }
    }

    private func translate(_ error: any Error, url: PostgresConnectionURL) -> CacheError {
        if let unavailable = PostgresCacheConnectionPool.unavailability(error, url: url, backend: name) {
            return unavailable
        }
        guard let error = error as? PSQLError else {
            return .backendFailure(backend: name, message: "\(error)")
        }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? "?"
            let message = info[.message] ?? "unknown server error"
            if state == "42P01" {
                return .backendFailure(
                    backend: name,
                    message: "the cache table \(table.quoted) does not exist on \(url); create it with `cachectl createcachetable`")
            }
            return .backendFailure(backend: name, message: "PostgreSQL error [\(state)]: \(message)")
        }
        let underlying = error.underlying.map { ": \($0)" } ?? ""
        return .backendFailure(backend: name, message: "cannot use PostgreSQL at \(url) (\(error.code))\(underlying)")
    }

    /// Runs a row decoding; a row that does not decode is a typed error, never a crash.
    func decoded<T>(key: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CacheError.undecodableValue(key: key, reason: "a row of \(table.quoted) is damaged: \(error)")
        }
    }

    /// Django's culling, after a write whose statement returned the bounded row
    /// count seen before it.
    private func cullIfNeeded(_ rows: [PostgresRow], sparing keys: [String], now: Double) async throws {
        guard let row = rows.first else { return }
        let counted = try decoded(key: "") { try row.decode(Int.self) }
        guard counted > configuration.maxEntries else { return }
        storeMetrics.culled()
        if configuration.cullFrequency == 0 {
            _ = try await write(table.clearOthers) { $0.append(keys) }
            return
        }
        _ = try await write(table.deleteExpiredOthers) { $0.append(keys); $0.append(now) }
        let remainingRows = try await write(table.countOthers) { $0.append(keys) }
        let remaining = try remainingRows.first.map { row in try decoded(key: "") { try row.decode(Int.self) } } ?? 0
        guard remaining > configuration.maxEntries else { return }
        let offset = remaining / configuration.cullFrequency
        let boundary = try await write(table.keyAtOffsetOthers) { $0.append(keys); $0.append(offset) }
        guard let boundaryRow = boundary.first else { return }
        let boundaryKey = try decoded(key: "") { try boundaryRow.decode(String.self) }
        _ = try await write(table.deleteBelowOthers) { $0.append(keys); $0.append(boundaryKey) }
    }
}
