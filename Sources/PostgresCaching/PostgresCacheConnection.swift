import Caching
import Logging
import NIOCore
import PostgresNIO

/// One connection of a ``PostgresCacheConnectionPool``: a postgres-nio
/// `PostgresConnection`, shared by concurrent callers (postgres-nio queues
/// their statements and runs them one after another), with the deadlines of
/// the calls on it.
///
/// Why not postgres-nio's `PostgresClient`: leasing a connection from it,
/// and the task that bounded the call, cost more than the query itself — one
/// task's get took about three times as long as a statement on a
/// connection. Here a call takes a connection from a `ServerConnectionPool`
/// slot (a lock), runs its prepared statement, and is bounded by a timer.
///
/// The timer: a call's deadline is noted under a lock; a timer on the
/// connection's event loop is armed only when none is, and when it fires it
/// looks at the deadlines still pending: if one has passed, the connection is
/// closed and every call still pending on it is answered at once (a
/// timeout), otherwise it re-arms for the earliest. A run of calls therefore
/// costs one timer per timeout period, not one per call.
///
/// Why a call's statements run in a task of their own, and the caller waits
/// on a `DeadlineRace`: postgres-nio hands a statement to its channel with
/// `channel.write(task, promise: nil)`; a statement written just after the
/// channel closed (the server went away, or the timer closed it between two
/// statements of one call) is dropped with its promise, and its caller would
/// wait forever. Seen under load: the first `get` of a backend hung for
/// good. The race lets the timer answer such a caller at its deadline.
final class PostgresCacheConnection: PooledConnection {
    /// The postgres-nio connection.
    let connection: PostgresConnection

    private struct Pending {
        var deadline: NIODeadline
        /// Answers the call with a timeout (at most once; a no-op once it has its answer).
        var expire: @Sendable () -> Void
    }

    private struct Deadlines {
        var pending: [Int: Pending] = [:]
        var nextID = 0
        var armed = false
        /// Set once a deadline passed and the connection was closed for it.
        var expired = false
    }

    private let deadlines = CacheLock(Deadlines())

    /// Runs a call's task on the connection's own event loop (see ``run(until:_:)``).
    private let executor: EventLoopTaskExecutor

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.executor = EventLoopTaskExecutor(connection.eventLoop)
    }

    /// Opens a connection on `eventLoop`.
    static func connect(on eventLoop: any EventLoop, configuration: PostgresConnection.Configuration, id: Int,
                        logger: Logger) -> EventLoopFuture<PostgresCacheConnection> {
        PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: logger)
            .map { PostgresCacheConnection($0) }
    }

    var isActive: Bool { !connection.isClosed && !deadlines.withLock { $0.expired } }

    func closeSoon() {
        // The future-returning close (the name alone also matches the async one).
        let _: EventLoopFuture<Void> = connection.close()
    }

    func close() async {
        let closed: EventLoopFuture<Void> = connection.close()
        try? await closed.get()
    }

    /// Whether a call's deadline passed and closed the connection: its
    /// statements' errors are then timeouts.
    var timedOut: Bool { deadlines.withLock { $0.expired } }

    /// Runs `body` (statements on ``connection``) until `deadline`, when the
    /// connection is closed under it and the call ends with
    /// `DeadlineExpired` (`timedOut` is then true), whatever `body` does.
    func run<T: Sendable>(until deadline: NIODeadline, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = DeadlineRace<T>()
        let (id, arm) = deadlines.withLock { state -> (Int, Bool) in
            let id = state.nextID
            state.nextID &+= 1
            state.pending[id] = Pending(deadline: deadline, expire: { race.finish(.failure(DeadlineExpired())) })
            guard !state.armed else { return (id, false) }
            state.armed = true
            return (id, true)
        }
        if arm { armTimer(at: deadline) }
        defer { _ = deadlines.withLock { $0.pending.removeValue(forKey: id) } }
        // On the connection's loop: the statements are written there and their
        // replies resume the task there, so a call costs the two hops of any
        // I/O (to the loop and back to the caller), not four.
        let work = Task(executorPreference: executor) {
            do {
                race.finish(.success(try await body()))
            } catch {
                race.finish(.failure(error))
            }
        }
        do {
            return try await race.value
        } catch let error as DeadlineExpired {
            work.cancel()
            throw error
        }
    }

    /// The error of a call the connection's timer ended: its deadline passed
    /// (the connection was closed for it or for another call on it).
    struct DeadlineExpired: Error {}

    private func armTimer(at deadline: NIODeadline) {
        _ = connection.eventLoop.scheduleTask(deadline: deadline) { self.checkDeadlines() }
    }

    /// On the timer: closes the connection if a pending deadline passed,
    /// re-arms for the earliest pending one, or disarms when none is pending.
    private func checkDeadlines() {
        let now = NIODeadline.now()
        let (expired, next) = deadlines.withLock { state -> ([@Sendable () -> Void], NIODeadline?) in
            guard let earliest = state.pending.values.map(\.deadline).min() else {
                state.armed = false
                return ([], nil)
            }
            if earliest <= now {
                state.expired = true
                state.armed = false
                // The connection closes under every call on it: answer them all now.
                return (state.pending.values.map(\.expire), nil)
            }
            return ([], earliest)
        }
        if !expired.isEmpty {
            closeSoon()
            for expire in expired { expire() }
        } else if let next {
            armTimer(at: next)
        }
    }
}
