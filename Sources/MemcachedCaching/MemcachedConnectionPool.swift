import Logging
import NIOCore
import Synchronization

/// The connections to one memcached server: a few long-lived connections,
/// each carrying many pipelined requests, handed out in turn.
///
/// Connections are opened on first use and replaced when they close or fail;
/// a request never waits for a connection another request is still opening
/// beyond the connect timeout. After a failed connect the server is *down*
/// for ``Settings/retryInterval``: requests fail at once with the connect
/// error instead of each waiting out a connect timeout, then the next request
/// tries again — so the client recovers by itself when the server returns.
final class MemcachedConnectionPool: Sendable {
    /// What every connection of the pool is opened with.
    struct Settings: Sendable {
        var connectTimeout: Duration
        var commandTimeout: Duration
        var connectionCount: Int
        var retryInterval: Duration
        var eventLoopGroup: any EventLoopGroup
    }

    private enum Slot {
        case empty
        case connecting(EventLoopFuture<MemcachedConnection>)
        case ready(MemcachedConnection)
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        /// Until when connects are not tried again, after a failed one.
        var downUntil: ContinuousClock.Instant?
        var lastConnectError: MemcachedClientError?
        /// The server's item size limit, once asked for.
        var itemSizeLimit: Int?
        /// Writes dropped (failure mode `miss`) since the last warning about them.
        var droppedWrites = 0
        var lastDropWarning: ContinuousClock.Instant?
    }

    let server: MemcachedServer
    private let settings: Settings
    private let logger: Logger
    private let state: Mutex<State>

    init(server: MemcachedServer, settings: Settings, logger: Logger) {
        self.server = server
        self.settings = settings
        var logger = logger
        logger[metadataKey: "memcached.server"] = "\(server)"
        self.logger = logger
        state = Mutex(State(slots: Array(repeating: .empty, count: max(1, settings.connectionCount))))
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

    /// Sends a request on one of the connections and returns its replies.
    ///
    /// A request that surely never reached the server (its connection had
    /// closed before the write) is sent once more on a new connection; any
    /// other failure is the caller's, as a ``MemcachedClientError``.
    func send(_ request: MemcachedRequest) async throws -> [MemcachedReply] {
        var retried = false
        while true {
            let connection = try await connection()
            do {
                return try await connection.send(request)
            } catch let error as MemcachedClientError where !error.mayHaveBeenSent && !retried {
                // The connection failed before the request reached it. Its
                // channel may not have finished closing, so it could still
                // look active: take it out of its slot, so the retry opens a
                // new one instead of meeting the same failure.
                retried = true
                evict(connection)
            }
        }
    }

    /// Empties the slot holding `connection` and closes it.
    private func evict(_ connection: MemcachedConnection) {
        state.withLock { state in
            for index in state.slots.indices {
                if case .ready(let held) = state.slots[index], held === connection { state.slots[index] = .empty }
            }
        }
        connection.closeSoon()
    }

    /// Closes every connection; the next request opens new ones.
    func close() async {
        let slots = state.withLock { state in
            defer {
                state.slots = Array(repeating: .empty, count: state.slots.count)
                state.downUntil = nil
                state.lastConnectError = nil
            }
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

    // MARK: Connections

    private enum Step {
        case use(MemcachedConnection)
        case wait(EventLoopFuture<MemcachedConnection>)
        case open(EventLoopPromise<MemcachedConnection>, slot: Int)
        case fail(MemcachedClientError)
    }

    private func connection() async throws -> MemcachedConnection {
        let now = ContinuousClock.now
        let step = state.withLock { state -> Step in
            let index = state.next
            state.next = (state.next + 1) % state.slots.count
            switch state.slots[index] {
            case .ready(let connection) where connection.isActive:
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .ready, .empty:
                if let downUntil = state.downUntil, now < downUntil, let error = state.lastConnectError {
                    return .fail(error)
                }
                let promise = settings.eventLoopGroup.any().makePromise(of: MemcachedConnection.self)
                state.slots[index] = .connecting(promise.futureResult)
                return .open(promise, slot: index)
            }
        }
        switch step {
        case .use(let connection):
            return connection
        case .fail(let error):
            throw error
        case .wait(let future):
            return try await future.get()
        case .open(let promise, let slot):
            let future = promise.futureResult
            future.whenComplete { result in self.opened(result, future: future, slot: slot) }
            MemcachedConnection.connect(
                to: server, group: settings.eventLoopGroup, connectTimeout: settings.connectTimeout,
                commandTimeout: settings.commandTimeout, logger: logger
            ).cascade(to: promise)
            return try await future.get()
        }
    }

    /// Records the outcome of a connect in its slot.
    private func opened(_ result: Result<MemcachedConnection, any Error>, future: EventLoopFuture<MemcachedConnection>, slot: Int) {
        let (wasDown, stale) = state.withLock { state -> (Bool, MemcachedConnection?) in
            // A close() since the connect started emptied the slot: the new
            // connection is not kept.
            guard case .connecting(let current) = state.slots[slot], current === future else {
                return (false, try? result.get())
            }
            let wasDown = state.lastConnectError != nil
            switch result {
            case .success(let connection):
                state.slots[slot] = .ready(connection)
                state.downUntil = nil
                state.lastConnectError = nil
            case .failure(let error):
                state.slots[slot] = .empty
                state.downUntil = ContinuousClock.now + settings.retryInterval
                state.lastConnectError = error as? MemcachedClientError
                    ?? MemcachedClientError(kind: .connectFailed, server: server, message: "cannot connect: \(error)")
            }
            return (wasDown, nil)
        }
        stale?.closeSoon()
        guard stale == nil else { return }
        switch result {
        case .success where wasDown:
            logger.info("memcached server is reachable again")
        case .failure(let error) where !wasDown:
            logger.warning("cannot connect to memcached; its requests fail until it is back",
                           metadata: ["error": "\(error)"])
        default:
            break
        }
    }

    // MARK: Server facts

    /// The server's item size limit (`item_size_max`), asked once; memcached's
    /// default of 1 MiB when the server does not say.
    func itemSizeLimit() async -> Int {
        if let known = state.withLock({ $0.itemSizeLimit }) { return known }
        var limit = 1 << 20
        if let replies = try? await send(.single(.statsSettings)) {
            for case .stat(let name, let value) in replies where name == "item_size_max" {
                if let number = Int(value) { limit = number }
            }
            state.withLock { $0.itemSizeLimit = limit }
        }
        return limit
    }

    /// Counts a write dropped because the server is down, and says whether to
    /// log a warning now (at most one a second per server) and how many writes
    /// it covers.
    func droppedWrite() -> Int? {
        let now = ContinuousClock.now
        return state.withLock { state -> Int? in
            state.droppedWrites += 1
            if let last = state.lastDropWarning, now - last < .seconds(1) { return nil }
            defer {
                state.droppedWrites = 0
                state.lastDropWarning = now
            }
            return state.droppedWrites
        }
    }
}
