import Caching
import SQLiteNIO
// sqlite-nio's vendored SQLite (its C target). Going through the same copy of
// the library as every other connection of the process matters: two copies of
// SQLite in one process do not see each other's POSIX locks, which can corrupt
// a database (https://sqlite.org/howtocorrupt.html, section 2.2.1). sqlite-nio
// exposes no synchronous call and no raw handle, so the few calls below go to
// the library directly.
import VaporCSQLite

/// One SQLite handle driven synchronously, on the caller's thread, with
/// statements prepared once: what `SQLiteDirectReader` and
/// `SQLiteDirectWriter` are built on.
///
/// Why: sqlite-nio runs every statement on NIO's blocking thread pool, so each
/// statement costs two thread hand-offs, and on a machine where waking a thread
/// is slow those cost more than a statement on cached pages. Used by one caller
/// at a time (its owner hands it out under a lock). Every step resets its
/// statement whatever happens, so no statement keeps a transaction open.
final class SQLiteRawConnection: @unchecked Sendable {
    // @unchecked: used by one caller at a time (see above); `statements` and
    // `closed` change only then.

    /// A value bound to a statement parameter (copied by SQLite at once).
    enum Bind {
        case text(String)
        case blob(ByteBuffer)
        case double(Double)
        case integer(Int)
    }

    /// What one statement's step gave.
    enum Step<Value> {
        case done(Value)
        /// Locked (`SQLITE_BUSY`/`SQLITE_LOCKED`): the handle stays usable.
        case busy
        /// Any other error: the owner should close the handle.
        case broken
    }

    let handle: OpaquePointer
    /// The owner's generation of the file when this handle was opened.
    let generation: Int
    private var statements: [OpaquePointer] = []
    private var closed = false

    private init(handle: OpaquePointer, generation: Int) {
        self.handle = handle
        self.generation = generation
    }

    /// Opens `path` without creating it and runs `setUp` (pragmas); `nil` on
    /// any failure. Handles have no busy timeout: a locked file answers
    /// `busy` at once instead of sleeping on the caller's thread.
    static func open(path: String, readOnly: Bool, generation: Int, setUp: [String]) -> SQLiteRawConnection? {
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        guard sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            sqlite_nio_sqlite3_close(handle)
            return nil
        }
        for pragma in setUp where sqlite_nio_sqlite3_exec(handle, pragma, nil, nil, nil) != SQLITE_OK {
            sqlite_nio_sqlite3_close(handle)
            return nil
        }
        return SQLiteRawConnection(handle: handle, generation: generation)
    }

    /// Prepares `sql` for the handle's lifetime (finalized by ``close()``).
    func prepare(_ sql: String) -> OpaquePointer? {
        var statement: OpaquePointer?
        guard sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
              let statement
        else { return nil }
        statements.append(statement)
        return statement
    }

    /// Binds `binds` to parameters 1…n, steps once, and resets the statement
    /// whatever happens. `onRow` reads the first row, if any.
    func run<Value>(
        _ statement: OpaquePointer, _ binds: [Bind], onRow: (OpaquePointer) -> Value, whenDone: () -> Value
    ) -> Step<Value> {
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, bind) in binds.enumerated() where !Self.bind(bind, to: statement, at: Int32(offset + 1)) {
            return .broken
        }
        switch sqlite_nio_sqlite3_step(statement) & 0xff {
        case SQLITE_ROW: return .done(onRow(statement))
        case SQLITE_DONE: return .done(whenDone())
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        default: return .broken
        }
    }

    /// Runs a statement for its effect alone.
    func execute(_ statement: OpaquePointer, _ binds: [Bind] = []) -> Step<Void> {
        run(statement, binds, onRow: { _ in () }, whenDone: { () })
    }

    /// Whether a statement returned a row (`RETURNING`, `SELECT 1`).
    func returnsRow(_ statement: OpaquePointer, _ binds: [Bind]) -> Step<Bool> {
        run(statement, binds) { _ in true } whenDone: { false }
    }

    /// Column `index` of the current row, copied out of SQLite's buffers.
    static func column(_ statement: OpaquePointer, _ index: Int32) -> SQLiteData {
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

    /// Finalizes the statements and closes the handle (once).
    func close() {
        guard !closed else { return }
        closed = true
        for statement in statements { sqlite_nio_sqlite3_finalize(statement) }
        statements = []
        sqlite_nio_sqlite3_close(handle)
    }

    deinit { close() }

    // MARK: Binding

    private static func bind(_ bind: Bind, to statement: OpaquePointer, at index: Int32) -> Bool {
        switch bind {
        case .text(var text):
            return text.withUTF8 { utf8 in
                // A zero-length text still binds text, not NULL.
                utf8.withMemoryRebound(to: CChar.self) { chars in
                    sqlite_nio_sqlite3_bind_text64(
                        statement, index, chars.baseAddress ?? emptyText, UInt64(chars.count), transient, UInt8(SQLITE_UTF8))
                }
            } == SQLITE_OK
        case .blob(let buffer):
            return buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(
                    statement, index, bytes.baseAddress ?? UnsafeRawPointer(emptyText), UInt64(bytes.count), transient)
            } == SQLITE_OK
        case .double(let number):
            return sqlite_nio_sqlite3_bind_double(statement, index, number) == SQLITE_OK
        case .integer(let number):
            return sqlite_nio_sqlite3_bind_int64(statement, index, sqlite3_int64(number)) == SQLITE_OK
        }
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call returns.
    nonisolated(unsafe) private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// A NUL byte for binding empty text or blobs (never freed).
    nonisolated(unsafe) private static let emptyText: UnsafePointer<CChar> = {
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()
}
