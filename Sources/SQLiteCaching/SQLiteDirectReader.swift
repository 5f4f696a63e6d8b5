import Caching
import SQLiteNIO
// sqlite-nio's vendored SQLite (its C target). Reading through the same copy
// of the library as every other connection of the process matters: two copies
// of SQLite in one process do not see each other's POSIX locks, which can
// corrupt a database (https://sqlite.org/howtocorrupt.html, section 2.2.1).
// sqlite-nio exposes no synchronous call and no raw handle, so the few calls
// below go to the library directly.
import VaporCSQLite

/// Reads one row synchronously, on the caller's thread, through a connection
/// of its own whose statements are prepared once.
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

    /// What one statement's step gave.
    private enum Step<Value> {
        case done(Value)
        /// Locked: try the asynchronous path; the handle stays usable.
        case busy
        /// Any other error: the handle is closed.
        case broken
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
            connection.run(connection.select, binding: key, now: nil) { statement -> Row in
                .found(value: Self.column(statement, 0), expires: Self.column(statement, 1))
            } whenDone: {
                .missing
            }
        }
    }

    /// Whether `key` has a row that expires after `now`, or `nil` when the read
    /// must take the asynchronous path.
    func hasKey(_ key: String, now: Double) -> Bool? {
        withConnection { connection in
            connection.run(connection.hasKey, binding: key, now: now) { _ in true } whenDone: { false }
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

    private func withConnection<T>(_ body: (DirectConnection) -> Step<T>) -> T? {
        guard let generation = pool.preparedGeneration() else { return nil }
        let now = CacheClock.coarseMonotonic.now()
        var stale: [DirectConnection] = []
        let taken = state.withLock { state -> (DirectConnection?, opens: Bool) in
            while let connection = state.idle.popLast() {
                if connection.generation == generation { return (connection, false) }
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

    /// Column `index` of the current row, copied out of SQLite's buffers.
    private static func column(_ statement: OpaquePointer, _ index: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT:
            return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let pointer = sqlite_nio_sqlite3_column_blob(statement, index)
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count)))
        default:
            return .null
        }
    }

    /// One raw connection and its two prepared statements; used by one caller
    /// at a time (taken from the reader's idle list under its lock).
    private final class DirectConnection: @unchecked Sendable {
        let handle: OpaquePointer
        let select: OpaquePointer
        let hasKey: OpaquePointer
        let generation: Int
        private var closed = false

        private init(handle: OpaquePointer, select: OpaquePointer, hasKey: OpaquePointer, generation: Int) {
            self.handle = handle
            self.select = select
            self.hasKey = hasKey
            self.generation = generation
        }

        /// Opens `path` without creating it and prepares both statements;
        /// `nil` on any failure (the asynchronous path reports it).
        static func open(path: String, readOnly: Bool, select: String, hasKey: String, generation: Int) -> DirectConnection? {
            var handle: OpaquePointer?
            let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE)
                | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
            guard sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
                sqlite_nio_sqlite3_close(handle)
                return nil
            }
            // Reads only, whatever a statement says.
            guard readOnly || sqlite_nio_sqlite3_exec(handle, "PRAGMA query_only = 1", nil, nil, nil) == SQLITE_OK,
                  let selectStatement = prepare(select, on: handle)
            else {
                sqlite_nio_sqlite3_close(handle)
                return nil
            }
            guard let hasKeyStatement = prepare(hasKey, on: handle) else {
                sqlite_nio_sqlite3_finalize(selectStatement)
                sqlite_nio_sqlite3_close(handle)
                return nil
            }
            return DirectConnection(handle: handle, select: selectStatement, hasKey: hasKeyStatement, generation: generation)
        }

        private static func prepare(_ sql: String, on handle: OpaquePointer) -> OpaquePointer? {
            var statement: OpaquePointer?
            guard sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK
            else { return nil }
            return statement
        }

        /// Binds `key` (and `now`, as the second parameter, when given), steps
        /// once, and resets the statement (ending its read transaction) whatever
        /// happens.
        func run<Value>(
            _ statement: OpaquePointer, binding key: String, now: Double?,
            onRow: (OpaquePointer) -> Value, whenDone: () -> Value
        ) -> Step<Value> {
            var key = key
            return key.withUTF8 { utf8 -> Step<Value> in
                defer {
                    sqlite_nio_sqlite3_reset(statement)
                    sqlite_nio_sqlite3_clear_bindings(statement)
                }
                // A zero-length key still binds text, not NULL.
                let bound = utf8.withMemoryRebound(to: CChar.self) { text -> Int32 in
                    sqlite_nio_sqlite3_bind_text64(
                        statement, 1, text.baseAddress ?? Self.emptyText, UInt64(text.count), nil, UInt8(SQLITE_UTF8))
                }
                guard bound == SQLITE_OK else { return .broken }
                if let now, sqlite_nio_sqlite3_bind_double(statement, 2, now) != SQLITE_OK { return .broken }
                switch sqlite_nio_sqlite3_step(statement) & 0xff {
                case SQLITE_ROW: return .done(onRow(statement))
                case SQLITE_DONE: return .done(whenDone())
                case SQLITE_BUSY, SQLITE_LOCKED: return .busy
                default: return .broken
                }
            }
        }

        /// A NUL byte for binding an empty key (`SQLITE_STATIC`: never freed).
        nonisolated(unsafe) private static let emptyText: UnsafePointer<CChar> = {
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
            pointer.initialize(to: 0)
            return UnsafePointer(pointer)
        }()

        func close() {
            guard !closed else { return }
            closed = true
            sqlite_nio_sqlite3_finalize(select)
            sqlite_nio_sqlite3_finalize(hasKey)
            sqlite_nio_sqlite3_close(handle)
        }

        deinit { close() }
    }
}
