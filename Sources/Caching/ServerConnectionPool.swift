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
/// A fixed number of slots, handed out as ``Selection`` says: round-robin
/// (pipelined protocols: every connection carries many requests at once) or
/// to the least busy (protocols that run one statement at a time on a
/// connection: a new connection is opened only when every open one is busy).
/// A slot connects lazily, shares one connection attempt among the callers
/// that arrive while it is under way, and reconnects on the next use after its
/// connection closed — which is how a client recovers when its server restarts.
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
        /// Whether a failed request's connection closed before its reply came
        /// (the request may or may not have run): such a request is sent once
        /// more on a new connection only when the caller says it is idempotent.
        package var connectionLost: @Sendable (any Error) -> Bool

        /// The vocabulary of a backend.
        package init(timeout: @escaping @Sendable () -> any Error,
                     circuitOpen: @escaping @Sendable (_ retryIn: Duration, _ lastError: String) -> any Error,
                     closed: @escaping @Sendable () -> any Error,
                     meansUnavailable: @escaping @Sendable (any Error) -> Bool,
                     wasNotSent: @escaping @Sendable (any Error) -> Bool = { _ in false },
                     connectionLost: @escaping @Sendable (any Error) -> Bool = { _ in false }) {
            self.timeout = timeout
            self.circuitOpen = circuitOpen
            self.closed = closed
            self.meansUnavailable = meansUnavailable
            self.wasNotSent = wasNotSent
            self.connectionLost = connectionLost
        }
    }

    /// How a call picks its slot.
    package enum Selection: Sendable {
        /// In turn, every slot opened as it comes up (Redis, memcached: pipelined).
        case roundRobin
        /// An open connection with no call running; else a slot not open yet;
        /// else the open one with the fewest calls running (PostgreSQL, whose
        /// connections run one statement at a time).
        case leastBusy
    }

    private enum Slot {
        case empty
        case connecting(EventLoopFuture<Connection>)
        case ready(Connection)
    }

    private struct State {
        var slots: [Slot]
        /// Calls running on each slot (``Selection/leastBusy`` only).
        var busy: [Int]
        var next = 0
        var closed = false
    }

    private enum Step {
        case use(Connection, slot: Int)
        case wait(EventLoopFuture<Connection>, slot: Int)
        case open(EventLoopPromise<Connection>, slot: Int)
        case closed
    }

    /// The server's circuit breaker.
    package let breaker: CircuitBreaker
    /// The bound on a whole call.
    package let timeout: Duration
    private let errors: Errors
    private let eventLoopGroup: any EventLoopGroup
    private let connect: @Sendable (any EventLoop) -> EventLoopFuture<Connection>
    private let state: CacheLock<State>
    private let attempts = Atomic<Int>(0)
    private let metrics: ConnectionPoolMetrics
    private let selection: Selection

    /// A pool of `connections` slots; `connect` opens one connection on the
    /// event loop it is given (bounded by the backend's connect timeout).
    ///
    /// The pool picks each connection's loop with one `next()` of the group.
    /// Asking the group twice per connection (once for a promise, once in the
    /// bootstrap) put every connection on the same loop of a two-loop group,
    /// so one thread carried all of a client's I/O.
    package init(connections: Int, timeout: Duration, breaker: CircuitBreaker, errors: Errors,
                 eventLoopGroup: any EventLoopGroup, selection: Selection = .roundRobin,
                 connect: @escaping @Sendable (any EventLoop) -> EventLoopFuture<Connection>) {
        self.timeout = timeout
        self.selection = selection
        self.breaker = breaker
        self.errors = errors
        self.eventLoopGroup = eventLoopGroup
        self.connect = connect
        state = CacheLock(State(slots: Array(repeating: .empty, count: max(1, connections)),
                                busy: Array(repeating: 0, count: max(1, connections))))
        metrics = ConnectionPoolMetrics(dimensions: breaker.dimensions, factory: breaker.metricsFactory)
        metrics.sized(max(1, connections))
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
    /// `timeout` replaces the pool's own for this call (a pool shared by
    /// backends with different timeouts bounds each call by its backend's).
    ///
    /// A request that never left the client is sent once more on a new
    /// connection; so is an `idempotent` one whose connection closed before
    /// the reply (a server restart: the pool may hand out a connection whose
    /// close the event loop has not yet seen). Both within the one deadline.
    package func run<T>(timeout: Duration? = nil, idempotent: Bool = false,
                        _ body: (Connection, NIODeadline) async throws -> T) async throws -> T {
        if case .rejected(let retryIn, let lastError) = breaker.admit() {
            throw errors.circuitOpen(retryIn, lastError)
        }
        let deadline = NIODeadline.now() + TimeAmount(timeout ?? self.timeout)
        var retried = false
        while true {
            do {
                let (connection, slot) = try await connection(until: deadline)
                defer { release(slot) }
                do {
                    let result = try await body(connection, deadline)
                    breaker.succeeded()
                    return result
                } catch where !retried && (errors.wasNotSent(error) || (idempotent && errors.connectionLost(error))) {
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
        metrics.open(readyCount())
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
        metrics.open(0)
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
        metrics.open(0)
        for slot in slots {
            switch slot {
            case .ready(let connection): connection.closeSoon()
            case .connecting(let future): future.whenSuccess { $0.closeSoon() }
            case .empty: break
            }
        }
    }

    /// A connection for one call, and the slot it holds (released by
    /// ``release(_:)``; -1 under round-robin, which counts nothing).
    private func connection(until deadline: NIODeadline) async throws -> (Connection, slot: Int) {
        let step = state.withLock { state -> Step in
            guard !state.closed else { return .closed }
            let index: Int
            switch selection {
            case .roundRobin:
                index = state.next
                state.next = (state.next + 1) % state.slots.count
            case .leastBusy:
                index = Self.leastBusy(state)
                state.busy[index] += 1
            }
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive:
                return .use(connection, slot: index)
            case .connecting(let future):
                return .wait(future, slot: index)
            case .ready, .empty:
                let promise = eventLoopGroup.next().makePromise(of: Connection.self)
                state.slots[index] = .connecting(promise.futureResult)
                return .open(promise, slot: index)
            }
        }
        let counted = selection == .leastBusy
        switch step {
        case .use(let connection, let slot):
            return (connection, counted ? slot : -1)
        case .closed:
            throw errors.closed()
        case .wait(let future, let slot):
            do {
                return (try await DeadlineRace.value(of: future, until: deadline, timeout: errors.timeout), counted ? slot : -1)
            } catch {
                release(counted ? slot : -1)
                throw error
            }
        case .open(let promise, let slot):
            attempts.add(1, ordering: .relaxed)
            metrics.connecting()
            let future = promise.futureResult
            future.whenComplete { result in self.opened(result, future: future, slot: slot) }
            connect(promise.futureResult.eventLoop).cascade(to: promise)
            do {
                return (try await DeadlineRace.value(of: future, until: deadline, timeout: errors.timeout), counted ? slot : -1)
            } catch {
                release(counted ? slot : -1)
                throw error
            }
        }
    }

    /// Under ``Selection/leastBusy``: an open connection with no call
    /// running (the lowest such slot, so a light load keeps to few
    /// connections), else a slot being opened or not open, else the open
    /// connection with the fewest calls running.
    private static func leastBusy(_ state: State) -> Int {
        var unopened: Int?
        var least = 0
        for index in state.slots.indices {
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive:
                if state.busy[index] == 0 { return index }
            case .connecting, .ready, .empty:
                if unopened == nil { unopened = index }
            }
            if state.busy[index] < state.busy[least] { least = index }
        }
        return unopened ?? least
    }

    /// Ends a call's hold on its slot.
    private func release(_ slot: Int) {
        guard slot >= 0 else { return }
        state.withLock { state in
            if slot < state.busy.count, state.busy[slot] > 0 { state.busy[slot] -= 1 }
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
        metrics.open(readyCount())
        stale?.closeSoon()
    }

    /// The slots holding a connection.
    private func readyCount() -> Int {
        state.withLock { state in
            state.slots.reduce(0) { count, slot in
                if case .ready = slot { return count + 1 }
                return count
            }
        }
    }
}
