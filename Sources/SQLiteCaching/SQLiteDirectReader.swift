import Caching
import SQLiteNIO

/// Reads one row synchronously, on the caller's thread, through a connection
/// of its own whose statements are prepared once (``SQLiteRawConnection``).
///
/// Why: sqlite-nio runs every statement on NIO's blocking thread pool, so a
/// read costs two thread hand-offs (to a pool thread and back to the task),
/// and on a machine where waking a thread is slow those hand-offs cost more
/// than the read. A `get` of a row whose pages are cached takes microseconds:
/// Django (Python's `sqlite3`) does it on the calling thread, and so does this.
/// The cost is that a read of pages not in memory blocks the calling thread
/// for the disk read, as Django's does.
///
/// It never reports an error: a read it cannot do here answers `nil`, and the
/// backend takes its asynchronous path, which reports errors as usual. That
/// happens when every handle is in use, when the file is locked (`SQLITE_BUSY`:
/// the handles have no busy timeout, so a caller never sleeps here), when the
/// pool has not yet opened and prepared the file (the table is created there),
/// and on any other error (the handle is closed; a failed open is not retried
/// for a second). The handles follow the pool's generation: when the pool
/// finds the file deleted or replaced, or is closed, they are dropped.
final class SQLiteDirectReader: Sendable {
    /// What a read found.
    enum Row {
        /// The row's `value` and `expires` columns.
        case found(value: SQLiteData, expires: SQLiteData)
        /// No row for the key.
        case missing
    }

    private let pool: SQLiteConnectionPool
    private let selectSQL: String
    private let hasKeySQL: String
    private let state = CacheLock(State())

    private struct State {
        var idle: [DirectConnection] = []
        var open = 0
        /// After a failed open, no new open before this (monotonic seconds).
        var retryAfter: Double = 0
    }

    /// A reader over `pool`'s file, for `table`.
    init(pool: SQLiteConnectionPool, table: SQLiteCacheTable) {
        self.pool = pool
        selectSQL = table.select
        hasKeySQL = table.hasKey
    }

    /// The row of `key`, or `nil` when the read must take the asynchronous path.
    func row(_ key: String) -> Row? {
        withConnection { connection in
            connection.raw.run(connection.select, [.text(key)]) { statement -> Row in
                .found(value: SQLiteRawConnection.column(statement, 0), expires: SQLiteRawConnection.column(statement, 1))
            } whenDone: {
                .missing
            }
        }
    }

    /// Whether `key` has a row that expires after `now`, or `nil` when the read
    /// must take the asynchronous path.
    func hasKey(_ key: String, now: Double) -> Bool? {
        withConnection { connection in
            connection.raw.returnsRow(connection.hasKey, [.text(key), .double(now)])
        }
    }

    /// The handles open, idle or in use (for tests).
    var openHandles: Int { state.withLock { $0.open } }

    /// Closes the idle handles; handles in use close when returned (the pool's
    /// generation has moved on by then).
    func closeAll() {
        let idle = state.withLock { state -> [DirectConnection] in
            let idle = state.idle
            state.open -= idle.count
            state.idle = []
            return idle
        }
        for connection in idle { connection.close() }
    }

    // MARK: Internals

    private func withConnection<T>(_ body: (DirectConnection) -> SQLiteRawConnection.Step<T>) -> T? {
        guard let generation = pool.preparedGeneration() else { return nil }
        let now = CacheClock.coarseMonotonic.now()
        var stale: [DirectConnection] = []
        let taken = state.withLock { state -> (DirectConnection?, opens: Bool) in
            while let connection = state.idle.popLast() {
                if connection.raw.generation == generation { return (connection, false) }
                state.open -= 1
                stale.append(connection)
            }
            guard state.open < pool.size, now >= state.retryAfter else { return (nil, false) }
            state.open += 1
            return (nil, true)
        }
        for connection in stale { connection.close() }
        let connection: DirectConnection
        if let existing = taken.0 {
            connection = existing
        } else if taken.opens {
            guard let opened = DirectConnection.open(
                path: pool.openPath, readOnly: pool.readOnly, select: selectSQL, hasKey: hasKeySQL, generation: generation)
            else {
                state.withLock { state in
                    state.open -= 1
                    state.retryAfter = now + 1
                }
                return nil
            }
            connection = opened
        } else {
            return nil
        }
        switch body(connection) {
        case .done(let value):
            state.withLock { $0.idle.append(connection) }
            return value
        case .busy:
            state.withLock { $0.idle.append(connection) }
            return nil
        case .broken:
            state.withLock { $0.open -= 1 }
            connection.close()
            return nil
        }
    }

    /// A raw connection and its two prepared statements. `@unchecked`: used
    /// by one caller at a time, as ``SQLiteRawConnection`` is.
    private struct DirectConnection: @unchecked Sendable {
        let raw: SQLiteRawConnection
        let select: OpaquePointer
        let hasKey: OpaquePointer

        /// Opens `path` without creating it and prepares both statements;
        /// `nil` on any failure (the asynchronous path reports it).
        static func open(path: String, readOnly: Bool, select: String, hasKey: String, generation: Int) -> DirectConnection? {
            // Reads only, whatever a statement says.
            guard let raw = SQLiteRawConnection.open(
                path: path, readOnly: readOnly, generation: generation, setUp: readOnly ? [] : ["PRAGMA query_only = 1"])
            else { return nil }
            guard let selectStatement = raw.prepare(select), let hasKeyStatement = raw.prepare(hasKey) else {
                raw.close()
                return nil
            }
            return DirectConnection(raw: raw, select: selectStatement, hasKey: hasKeyStatement)
        }

        func close() { raw.close() }
    }
}
