import Caching
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A few connections to one SQLite file, lent to one operation at a time.
///
/// Every libsqlite3 call made through these connections runs on NIO's
/// blocking thread pool (sqlite-nio does that), never on an event loop or the
/// Swift concurrency pool (`SQLiteDirectReader`'s reads and
/// `SQLiteDirectWriter`'s batches, on handles of their own, are the
/// exceptions). Connections are opened on first use, which
/// creates the database file; a connection that saw an I/O or corruption error
/// is closed rather than reused, and the file's identity is checked at most
/// once a second, so a file that was deleted or replaced is reopened (and
/// recreated) without restarting the application.
final class SQLiteConnectionPool: Sendable {
    /// What a new connection is prepared with (pragmas, the table).
    typealias Preparation = @Sendable (SQLiteConnection) async throws -> Void

    let path: String
    let readOnly: Bool
    let size: Int
    private let prepare: Preparation
    private let threadPool: NIOThreadPool
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = CacheLock(State())

    private struct State {
        var idle: [SQLiteConnection] = []
        var open = 0
        var generation = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var identity: FileIdentity?
        var lastIdentityCheck: Double = 0
    }

    private struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64
    }

    init(path: String, readOnly: Bool, size: Int, threadPool: NIOThreadPool, eventLoopGroup: any EventLoopGroup,
         logger: Logger, prepare: @escaping Preparation) {
        self.path = path
        self.readOnly = readOnly
        self.size = max(1, size)
        self.threadPool = threadPool
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.prepare = prepare
    }

    deinit {
        for connection in state.withLock({ $0.idle }) { connection.close().whenComplete { _ in } }
    }

    /// Runs `body` with a connection of its own.
    func withConnection<T: Sendable>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let (connection, generation) = try await acquire()
        do {
            let result = try await body(connection)
            release(connection, generation: generation, broken: false)
            return result
        } catch {
            release(connection, generation: generation, broken: Self.breaksConnection(error))
            throw error
        }
    }

    /// What `sqlite3_open_v2` is given: the path, or a read-only URI.
    var openPath: String { readOnly ? Self.readOnlyURI(path) : path }

    /// The pool's generation once a connection to the current file has been
    /// opened and prepared (so the file, in WAL mode, and the table exist), or
    /// `nil` before that. Checks the file's identity as `acquire` does: a
    /// connection made under another generation points at a file that is gone.
    func preparedGeneration() -> Int? {
        checkFileIdentity()
        return state.withLock { $0.identity == nil ? nil : $0.generation }
    }

    /// Closes every idle connection; connections in use close when returned.
    /// The pool opens new ones on the next use.
    func closeAll() async {
        let idle = state.withLock { state -> [SQLiteConnection] in
            state.generation += 1
            state.identity = nil
            let idle = state.idle
            state.open -= idle.count
            state.idle = []
            return idle
        }
        for connection in idle { try? await connection.close() }
        wakeWaiter()
    }

    // MARK: Internals

    private enum Step {
        case use(SQLiteConnection, Int)
        case open(Int)
        case wait
    }

    private func acquire() async throws -> (SQLiteConnection, Int) {
        checkFileIdentity()
        while true {
            let step = state.withLock { state -> Step in
                if let connection = state.idle.popLast() { return .use(connection, state.generation) }
                if state.open < size {
                    state.open += 1
                    return .open(state.generation)
                }
                return .wait
            }
            switch step {
            case .use(let connection, let generation):
                return (connection, generation)
            case .open(let generation):
                do {
                    return (try await openConnection(), generation)
                } catch {
                    state.withLock { $0.open -= 1 }
                    wakeWaiter()
                    throw error
                }
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if !state.idle.isEmpty || state.open < size { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }

    private func release(_ connection: SQLiteConnection, generation: Int, broken: Bool) {
        let keep = state.withLock { state -> Bool in
            if broken || generation != state.generation {
                state.open -= 1
                return false
            }
            state.idle.append(connection)
            return true
        }
        if !keep {
            if broken { logger.warning("closing an SQLite connection after an error", metadata: ["path": "\(path)"]) }
            connection.close().whenComplete { _ in }
        }
        wakeWaiter()
    }

    private func wakeWaiter() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        waiter?.resume()
    }

    private func openConnection() async throws -> SQLiteConnection {
        let storage: SQLiteConnection.Storage = .file(path: readOnly ? Self.readOnlyURI(path) : path)
        let connection = try await SQLiteConnection.open(
            storage: storage, threadPool: threadPool, logger: logger, on: eventLoopGroup.any())
        do {
            try await prepare(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        let identity = Self.identity(of: path)
        state.withLock { state in
            if state.identity == nil { state.identity = identity }
        }
        return connection
    }

    /// Once a second at most: if the file was deleted or replaced, the open
    /// connections point at a file nobody else sees; drop them.
    private func checkFileIdentity() {
        let now = CacheClock.coarseMonotonic.now()
        let due = state.withLock { state -> Bool in
            guard state.identity != nil, now - state.lastIdentityCheck >= 1 else { return false }
            state.lastIdentityCheck = now
            return true
        }
        guard due else { return }
        let current = Self.identity(of: path)
        let stale = state.withLock { state -> [SQLiteConnection] in
            guard let known = state.identity, known != current else { return [] }
            state.generation += 1
            state.identity = nil
            let idle = state.idle
            state.open -= idle.count
            state.idle = []
            return idle
        }
        if !stale.isEmpty || current == nil {
            logger.warning("the SQLite cache file was deleted or replaced; reopening it", metadata: ["path": "\(path)"])
        }
        for connection in stale { connection.close().whenComplete { _ in } }
    }

    private static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Errors after which a connection is not trusted again.
    static func breaksConnection(_ error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        switch error.reason {
        case .ioError, .corrupt, .notADatabase, .cantOpen, .readOnly, .full, .noLFS, .misuse, .proto:
            return true
        default:
            return false
        }
    }

    private static func readOnlyURI(_ path: String) -> String {
        var encoded = ""
        for character in path {
            switch character {
            case "%": encoded += "%25"
            case "?": encoded += "%3F"
            case "#": encoded += "%23"
            default: encoded.append(character)
            }
        }
        return "file:\(encoded)?mode=ro"
    }
}
