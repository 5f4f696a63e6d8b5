import Caching
import Synchronization
import SQLiteNIO

/// Runs a batch of group-committed writes synchronously, on the calling
/// task's thread, in one `BEGIN IMMEDIATE … COMMIT` on a connection of its own
/// whose statements are prepared once (``SQLiteRawConnection``).
///
/// Why: through sqlite-nio a batch costs four or five thread-pool jobs
/// (`BEGIN`, a count, the upsert, `COMMIT`), each two thread hand-offs; here
/// it costs none, and a `set` of a few rows takes microseconds. A batch is
/// still planned by `SQLCacheGroupCommit`, so every caller gets its own exact
/// result and culling keeps Django's arithmetic.
///
/// It never reports an error: a batch it cannot run answers `nil`, after a
/// `ROLLBACK`, and the backend runs the same batch on its sqlite-nio writer
/// connection, which reports errors as before. That happens for a batch with
/// an `increment` (its SQL function lives on sqlite-nio's connections), when
/// the file is locked by another process (no busy timeout here: the
/// asynchronous path waits for the lock, on a pool thread), before the writer
/// pool has opened and prepared the file, and on any error (the handle is
/// closed; a failed open is not retried for a second). Only one batch runs at a
/// time: the backend calls it holding the file's `SQLiteWriteLock`.
///
/// Cost: the calling thread is blocked for the transaction, including the
/// occasional WAL checkpoint SQLite runs at commit, as Django's is.
final class SQLiteDirectWriter: Sendable {
    private let pool: SQLiteConnectionPool
    private let table: SQLiteCacheTable
    private let maxEntries: Int
    private let cullFrequency: Int
    private let storeMetrics: CacheStoreMetrics
    private let state = CacheLock(State())
    private let committed = Atomic<Int>(0)

    private struct State {
        var connection: WriterConnection?
        /// After a failed open, no new open before this (monotonic seconds).
        var retryAfter: Double = 0
    }

    /// A writer on `pool`'s file (the backend's writer pool), for `table`.
    init(pool: SQLiteConnectionPool, table: SQLiteCacheTable, maxEntries: Int, cullFrequency: Int,
         storeMetrics: CacheStoreMetrics) {
        self.pool = pool
        self.table = table
        self.maxEntries = maxEntries
        self.cullFrequency = cullFrequency
        self.storeMetrics = storeMetrics
    }

    /// Batches committed here (for tests).
    var batchesCommitted: Int { committed.load(ordering: .relaxed) }

    /// The results of `batch`, committed; `nil` when the batch must take the
    /// asynchronous path (nothing of it was written).
    func commit(_ batch: [SQLCacheWrite], now: Double) async -> [Result<SQLCacheWriteOutcome, any Error>]? {
        for case .increment in batch { return nil }
        guard let connection = take() else { return nil }
        let raw = connection.raw
        switch raw.execute(connection.begin) {
        case .done: break
        case .busy: return nil
        case .broken:
            drop(connection)
            return nil
        }
        let session = DirectSession(
            connection: connection, maxEntries: maxEntries, cullFrequency: cullFrequency, storeMetrics: storeMetrics)
        let results = await SQLCacheGroupCommit.run(batch, now: now, maxEntries: maxEntries, session: session)
        var failed = false
        for case .failure(let error) in results {
            failed = true
            if case DirectFailure.broken = error {
                _ = raw.execute(connection.rollback)
                drop(connection)
                return nil
            }
        }
        if !failed, case .done = raw.execute(connection.commit) {
            committed.add(1, ordering: .relaxed)
            return results
        }
        guard case .done = raw.execute(connection.rollback) else {
            drop(connection)
            return nil
        }
        return nil
    }

    /// Closes the handle; the next batch opens a new one.
    func closeAll() {
        let connection = state.withLock { state -> WriterConnection? in
            defer { state.connection = nil }
            return state.connection
        }
        connection?.raw.close()
    }

    // MARK: Internals

    /// The handle for the pool's current file, opened when needed.
    private func take() -> WriterConnection? {
        guard let generation = pool.preparedGeneration() else { return nil }
        let now = CacheClock.coarseMonotonic.now()
        let (current, mayOpen) = state.withLock { state -> (WriterConnection?, Bool) in
            if let connection = state.connection, connection.raw.generation == generation { return (connection, false) }
            return (nil, now >= state.retryAfter)
        }
        if let current { return current }
        guard mayOpen else { return nil }
        guard let opened = WriterConnection.open(path: pool.openPath, table: table, generation: generation) else {
            state.withLock { $0.retryAfter = now + 1 }
            return nil
        }
        let stale = state.withLock { state -> WriterConnection? in
            defer { state.connection = opened }
            return state.connection
        }
        stale?.raw.close()
        return opened
    }

    private func drop(_ connection: WriterConnection) {
        state.withLock { state in
            if state.connection === connection { state.connection = nil }
        }
        connection.raw.close()
    }

    /// A statement's failure inside a batch.
    enum DirectFailure: Error {
        /// Locked: the batch goes the asynchronous way; the handle stays.
        case busy
        /// Any other error: the batch goes the asynchronous way, and the handle is closed.
        case broken
    }

    /// The raw handle and the statements of the cache table's writes.
    final class WriterConnection: @unchecked Sendable {
        // @unchecked: used by one batch at a time (under the file's write lock).
        let raw: SQLiteRawConnection
        let begin, commit, rollback: OpaquePointer
        let upsert, add, touch, delete: OpaquePointer
        let boundedCount, count, deleteAllExpired, keyAtOffset, deleteBelow, clear: OpaquePointer

        private init(raw: SQLiteRawConnection, statements: [OpaquePointer]) {
            self.raw = raw
            (begin, commit, rollback) = (statements[0], statements[1], statements[2])
            (upsert, add, touch, delete) = (statements[3], statements[4], statements[5], statements[6])
            (boundedCount, count, deleteAllExpired) = (statements[7], statements[8], statements[9])
            (keyAtOffset, deleteBelow, clear) = (statements[10], statements[11], statements[12])
        }

        /// Opens `path` (never creating it) with the pool connections'
        /// durability (`synchronous = NORMAL` in WAL mode) and prepares every
        /// statement; `nil` on any failure.
        static func open(path: String, table: SQLiteCacheTable, generation: Int) -> WriterConnection? {
            guard let raw = SQLiteRawConnection.open(
                path: path, readOnly: false, generation: generation, setUp: ["PRAGMA synchronous = NORMAL"])
            else { return nil }
            let sql = [
                "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK",
                table.upsert(1), table.add, table.touch, table.delete,
                table.boundedCount, table.count, table.deleteAllExpired, table.keyAtOffset, table.deleteBelow, table.clear,
            ]
            var statements: [OpaquePointer] = []
            for text in sql {
                guard let statement = raw.prepare(text) else {
                    raw.close()
                    return nil
                }
                statements.append(statement)
            }
            return WriterConnection(raw: raw, statements: statements)
        }
    }

    /// ``SQLCacheWriteSession`` over a ``WriterConnection``: each multi-row
    /// call is its rows one by one, inside the batch's transaction.
    struct DirectSession: SQLCacheWriteSession, SQLiteCulling {
        let connection: WriterConnection
        let maxEntries: Int
        let cullFrequency: Int
        let storeMetrics: CacheStoreMetrics

        private var raw: SQLiteRawConnection { connection.raw }

        func count(upTo limit: Int) async throws -> Int {
            try integer(connection.boundedCount, [.integer(limit)])
        }

        func set(_ rows: [SQLCacheRow]) async throws {
            for row in rows { try execute(connection.upsert, [.text(row.key), .blob(row.value), .double(row.expires)]) }
        }

        func add(_ rows: [SQLCacheRow], now: Double) async throws -> Set<String> {
            var stored = Set<String>()
            for row in rows where try returnsRow(connection.add, [.text(row.key), .blob(row.value), .double(row.expires), .double(now)]) {
                stored.insert(row.key)
            }
            return stored
        }

        func delete(_ keys: [String]) async throws -> Set<String> {
            var deleted = Set<String>()
            for key in keys where try returnsRow(connection.delete, [.text(key)]) { deleted.insert(key) }
            return deleted
        }

        func single(_ write: SQLCacheWrite, now: Double) async throws -> SQLCacheWriteOutcome {
            switch write {
            case .set(let key, let value, let expires):
                try await cull(now: now)
                try execute(connection.upsert, [.text(key), .blob(value), .double(expires)])
                return .stored
            case .add(let key, let value, let expires):
                try await cull(now: now)
                return .changed(try returnsRow(connection.add, [.text(key), .blob(value), .double(expires), .double(now)]))
            case .touch(let key, let expires):
                return .changed(try returnsRow(connection.touch, [.double(expires), .text(key), .double(now)]))
            case .delete(let key):
                return .changed(try returnsRow(connection.delete, [.text(key)]))
            case .increment:
                throw DirectFailure.broken
            }
        }

        // MARK: Culling statements (SQLiteCulling)

        func rowCount() async throws -> Int {
            try integer(connection.count, [])
        }

        func deleteAllRows() async throws {
            try execute(connection.clear, [])
        }

        func deleteExpiredRows(now: Double) async throws {
            try execute(connection.deleteAllExpired, [.double(now)])
        }

        func key(atOffset offset: Int) async throws -> String? {
            try value(raw.run(connection.keyAtOffset, [.integer(offset)]) { statement in
                SQLiteRawConnection.column(statement, 0).string
            } whenDone: {
                nil
            })
        }

        func deleteRows(below key: String) async throws {
            try execute(connection.deleteBelow, [.text(key)])
        }

        private func execute(_ statement: OpaquePointer, _ binds: [SQLiteRawConnection.Bind]) throws {
            try value(raw.execute(statement, binds))
        }

        private func returnsRow(_ statement: OpaquePointer, _ binds: [SQLiteRawConnection.Bind]) throws -> Bool {
            try value(raw.returnsRow(statement, binds))
        }

        private func integer(_ statement: OpaquePointer, _ binds: [SQLiteRawConnection.Bind]) throws -> Int {
            try value(raw.run(statement, binds) { statement in
                SQLiteRawConnection.column(statement, 0).integer ?? 0
            } whenDone: {
                0
            })
        }

        @discardableResult
        private func value<Value>(_ step: SQLiteRawConnection.Step<Value>) throws -> Value {
            switch step {
            case .done(let value): return value
            case .busy: throw DirectFailure.busy
            case .broken: throw DirectFailure.broken
            }
        }
    }
}
