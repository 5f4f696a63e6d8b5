import Caching

/// One writer at a time per database file in this process.
///
/// A batch of writes is one transaction over several sqlite-nio statements,
/// each a job on NIO's blocking thread pool, so the file's write lock is held
/// between jobs. If another connection of this process then waited for that
/// lock inside SQLite's busy handler, it would hold a pool thread while doing
/// so, and with as many waiters as pool threads the holder could never run its
/// `COMMIT`. So every cache on the same file (same path) in this process takes
/// this lock, which waits without a thread, before it writes; SQLite's busy
/// handler is left for other processes, which do not use this process's
/// threads.
final class SQLiteWriteLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = CacheLock(State())
    private static let locks = CacheLock<[String: SQLiteWriteLock]>([:])

    private init() {}

    /// The lock of the file at `path` (as configured: two spellings of one
    /// path are two locks, and then SQLite's busy timeout still bounds the wait).
    static func forFile(_ path: String) -> SQLiteWriteLock {
        locks.withLock { locks in
            if let lock = locks[path] { return lock }
            let lock = SQLiteWriteLock()
            locks[path] = lock
            return lock
        }
    }

    /// Runs `body` holding the lock.
    func withLock<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        let acquired = state.withLock { state in
            guard state.held else {
                state.held = true
                return true
            }
            return false
        }
        guard !acquired else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard state.held else {
                    state.held = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the lock to the first waiter, or frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
