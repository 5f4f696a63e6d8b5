import NIOCore
import Synchronization

/// A connection a ``ServerConnectionPool`` can hold: long-lived, pipelined,
/// shared by any number of concurrent callers.
package protocol PooledConnection: AnyObject, Sendable {
    /// Whether the connection can still carry requests.
    var isActive: Bool { get }
    /// Closes the connection without waiting; outstanding requests fail.
    func closeSoon()
    /// Closes the connection and waits until it is closed.
    func close() async
}

/// The connections to one server, its circuit breaker and the whole-call
/// deadline: the one implementation the Redis and memcached clients share.
///
/// A fixed number of slots is handed out round-robin. A slot connects lazily,
/// shares one connection attempt among the callers that arrive while it is
/// under way, and reconnects on the next use after its connection closed —
/// which is how a client recovers when its server restarts.
///
/// ``run(_:)`` is one call: it asks the ``CircuitBreaker`` first (an open
/// circuit fails the call at once, without touching the network), then waits
/// for a connection and the reply, all within one deadline of `timeout` from
/// the start: connect, queue wait and the one retry of a request that never
/// left the client included, whatever the server does.
package final class ServerConnectionPool<Connection: PooledConnection>: Sendable {
    /// The backend's error vocabulary, so the pool's failures read as the
    /// backend's own errors.
    package struct Errors: Sendable {
        /// The call's deadline passed while it waited for a connection.
        package var timeout: @Sendable () -> any Error
        /// The circuit is open: the rest of the cool-down, and the last failure.
        package var circuitOpen: @Sendable (_ retryIn: Duration, _ lastError: String) -> any Error
        /// The pool was closed for good.
        package var closed: @Sendable () -> any Error
        /// Whether an error means the server could not be used (it counts towards the breaker).
        package var meansUnavailable: @Sendable (any Error) -> Bool
        /// Whether a failed request surely never reached the server, so it may
        /// be sent once more on a new connection.
        package var wasNotSent: @Sendable (any Error) -> Bool

        /// The vocabulary of a backend.
        package init(timeout: @escaping @Sendable () -> any Error,
                     circuitOpen: @escaping @Sendable (_ retryIn: Duration, _ lastError: String) -> any Error,
                     closed: @escaping @Sendable () -> any Error,
                     meansUnavailable: @escaping @Sendable (any Error) -> Bool,
                     wasNotSent: @escaping @Sendable (any Error) -> Bool = { _ in false }) {
            self.timeout = timeout
            self.circuitOpen = circuitOpen
            self.closed = closed
            self.meansUnavailable = meansUnavailable
            self.wasNotSent = wasNotSent
        }
    }

    private enum Slot {
        case empty
        case connecting(EventLoopFuture<Connection>)
        case ready(Connection)
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        var closed = false
    }

    private enum Step {
        case use(Connection)
        case wait(EventLoopFuture<Connection>)
        case open(EventLoopPromise<Connection>, slot: Int)
        case closed
    }

    /// The server's circuit breaker.
    package let breaker: CircuitBreaker
    /// The bound on a whole call.
    package let timeout: Duration
    private let errors: Errors
    private let eventLoopGroup: any EventLoopGroup
    private let connect: @Sendable () -> EventLoopFuture<Connection>
    private let state: CacheLock<State>
    private let attempts = Atomic<Int>(0)

    /// A pool of `connections` slots; `connect` opens one connection (bounded
    /// by the backend's connect timeout).
    package init(connections: Int, timeout: Duration, breaker: CircuitBreaker, errors: Errors,
                 eventLoopGroup: any EventLoopGroup, connect: @escaping @Sendable () -> EventLoopFuture<Connection>) {
        self.timeout = timeout
        self.breaker = breaker
        self.errors = errors
        self.eventLoopGroup = eventLoopGroup
        self.connect = connect
        state = CacheLock(State(slots: Array(repeating: .empty, count: max(1, connections))))
    }

    deinit {
        let slots = state.withLock { $0.slots }
        for slot in slots {
            switch slot {
            case .ready(let connection): connection.closeSoon()
            case .connecting(let future): future.whenSuccess { $0.closeSoon() }
            case .empty: break
            }
        }
    }

    /// Connections opened (or tried) so far: lets tests tell that an open
    /// circuit did not touch the network.
    package var connectAttempts: Int { attempts.load(ordering: .relaxed) }

    /// One call: `body` gets a connection and the call's deadline, which it
    /// must hand to the connection so the reply wait ends there too.
    package func run<T>(_ body: (Connection, NIODeadline) async throws -> T) async throws -> T {
        if case .rejected(let retryIn, let lastError) = breaker.admit() {
            throw errors.circuitOpen(retryIn, lastError)
        }
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        var retried = false
        while true {
            do {
                let connection = try await connection(until: deadline)
                do {
                    let result = try await body(connection, deadline)
                    breaker.succeeded()
                    return result
                } catch where !retried && errors.wasNotSent(error) {
                    // The connection failed before the request reached it. Its
                    // channel may not have finished closing, so it could still
                    // look active: take it out of its slot, so the retry opens
                    // a new one instead of meeting the same failure.
                    retried = true
                    evict(connection)
                    continue
                }
            } catch {
                if errors.meansUnavailable(error) {
                    breaker.failed("\(error)", timedOut: NIODeadline.now() >= deadline)
                } else {
                    // The server answered (an error reply, nonsense): it is up.
                    breaker.succeeded()
                }
                throw error
            }
        }
    }

    /// Empties the slot holding `connection` and closes it.
    package func evict(_ connection: Connection) {
        state.withLock { state in
            for index in state.slots.indices {
                if case .ready(let held) = state.slots[index], held === connection { state.slots[index] = .empty }
            }
        }
        connection.closeSoon()
    }

    /// Closes every connection; the next call opens new ones, unless
    /// `permanently`, after which calls fail with the backend's `closed` error.
    package func close(permanently: Bool) async {
        let slots = state.withLock { state in
            defer { state.slots = Array(repeating: .empty, count: state.slots.count) }
            if permanently { state.closed = true }
            return state.slots
        }
        for slot in slots {
            switch slot {
            case .ready(let connection): await connection.close()
            case .connecting(let future): if let connection = try? await future.get() { await connection.close() }
            case .empty: break
            }
        }
    }

    /// Closes for good without waiting: later calls fail with the backend's
    /// `closed` error at once.
    package func shutdown() {
        let slots = state.withLock { state in
            defer { state.slots = Array(repeating: .empty, count: state.slots.count) }
            state.closed = true
            return state.slots
        }
        for slot in slots {
            switch slot {
            case .ready(let connection): connection.closeSoon()
            case .connecting(let future): future.whenSuccess { $0.closeSoon() }
            case .empty: break
            }
        }
    }

    private func connection(until deadline: NIODeadline) async throws -> Connection {
        let step = state.withLock { state -> Step in
            guard !state.closed else { return .closed }
            let index = state.next
            state.next = (state.next + 1) % state.slots.count
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive:
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .ready, .empty:
                let promise = eventLoopGroup.any().makePromise(of: Connection.self)
                state.slots[index] = .connecting(promise.futureResult)
                return .open(promise, slot: index)
            }
        }
        switch step {
        case .use(let connection):
            return connection
        case .closed:
            throw errors.closed()
        case .wait(let future):
            return try await DeadlineRace.value(of: future, until: deadline, timeout: errors.timeout)
        case .open(let promise, let slot):
            attempts.add(1, ordering: .relaxed)
            let future = promise.futureResult
            future.whenComplete { result in self.opened(result, future: future, slot: slot) }
            connect().cascade(to: promise)
            return try await DeadlineRace.value(of: future, until: deadline, timeout: errors.timeout)
        }
    }

    /// Records the outcome of a connect in its slot.
    private func opened(_ result: Result<Connection, any Error>, future: EventLoopFuture<Connection>, slot: Int) {
        let stale = state.withLock { state -> Connection? in
            // A close() since the connect started emptied the slot: the new
            // connection is not kept.
            guard !state.closed, case .connecting(let current) = state.slots[slot], current === future else {
                return try? result.get()
            }
            switch result {
            case .success(let connection): state.slots[slot] = .ready(connection)
            case .failure: state.slots[slot] = .empty
            }
            return nil
        }
        stale?.closeSoon()
    }
}
