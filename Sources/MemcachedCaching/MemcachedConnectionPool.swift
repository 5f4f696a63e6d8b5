import Caching
import Logging
import NIOCore
import Synchronization

/// The connections to one memcached server: a few long-lived connections,
/// each carrying many pipelined requests, handed out in turn — a
/// `ServerConnectionPool`, which also gives each server its circuit
/// breaker and bounds every request, connect included, by the timeout.
///
/// Connections are opened on first use and replaced when they close or fail.
/// After repeated failures the server's circuit opens: requests fail at once
/// with the last error instead of each waiting out a timeout, until a probe
/// succeeds — so the client recovers by itself when the server returns.
final class MemcachedConnectionPool: Sendable {
    /// What every connection of the pool is opened with.
    struct Settings: Sendable {
        var connectTimeout: Duration
        var commandTimeout: Duration
        var connectionCount: Int
        var breaker: CircuitBreakerSettings
        var eventLoopGroup: any EventLoopGroup
    }

    let server: MemcachedServer
    private let pool: ServerConnectionPool<MemcachedConnection>
    /// The server's item size limit, once asked for.
    private let itemSize = CacheLock<Int?>(nil)

    init(server: MemcachedServer, settings: Settings, logger: Logger) {
        self.server = server
        var logger = logger
        logger[metadataKey: "memcached.server"] = "\(server)"
        let timeout = settings.commandTimeout
        let breaker = CircuitBreaker(
            backend: "memcached", server: server.description, settings: settings.breaker,
            probeTimeout: timeout * 2, logger: logger)
        let errors = ServerConnectionPool<MemcachedConnection>.Errors(
            timeout: {
                MemcachedClientError(kind: .connectTimeout, server: server,
                                     message: "no connection within the \(CircuitBreaker.seconds(timeout)) s timeout")
            },
            circuitOpen: { retryIn, lastError in
                MemcachedClientError(
                    kind: .circuitOpen, server: server,
                    message: "is failing (circuit open); requests fail at once for \(CircuitBreaker.seconds(retryIn)) s more"
                        + " (last error: \(lastError))",
                    mayHaveBeenSent: false)
            },
            closed: {
                MemcachedClientError(kind: .connectionClosed, server: server, message: "the client was closed")
            },
            meansUnavailable: { ($0 as? MemcachedClientError)?.meansServerUnavailable ?? true },
            wasNotSent: { ($0 as? MemcachedClientError).map { !$0.mayHaveBeenSent } ?? false },
            connectionLost: { ($0 as? MemcachedClientError)?.kind == .connectionClosed })
        let group = settings.eventLoopGroup
        let connectionLogger = logger
        pool = ServerConnectionPool(
            connections: settings.connectionCount, timeout: timeout, breaker: breaker, errors: errors,
            eventLoopGroup: group
        ) { loop in
            MemcachedConnection.connect(
                to: server, group: loop, connectTimeout: min(settings.connectTimeout, timeout),
                commandTimeout: timeout, logger: connectionLogger)
        }
    }

    /// The server's circuit breaker.
    var breaker: CircuitBreaker { pool.breaker }
    /// Connections opened or tried so far.
    var connectAttempts: Int { pool.connectAttempts }

    /// Sends a request on one of the connections and returns its replies.
    ///
    /// A request that surely never reached the server (its connection had
    /// closed before the write), or an idempotent one whose connection closed
    /// before its replies, is sent once more on a new connection; any other
    /// failure is the caller's, as a ``MemcachedClientError``.
    func send(_ request: MemcachedRequest) async throws -> [MemcachedReply] {
        try await pool.run(idempotent: request.isIdempotent) { connection, deadline in
            try await connection.send(request, deadline: deadline)
        }
    }

    /// Closes every connection; the next request opens new ones.
    func close() async {
        await pool.close(permanently: false)
    }

    /// Closes every connection for good: requests after this fail.
    func closePermanently() async {
        await pool.close(permanently: true)
    }

    // MARK: Server facts

    /// The server's item size limit (`item_size_max`), asked once; memcached's
    /// default of 1 MiB when the server does not say.
    func itemSizeLimit() async -> Int {
        if let known = itemSize.withLock({ $0 }) { return known }
        var limit = 1 << 20
        if let replies = try? await send(.single(.statsSettings)) {
            for case .stat(let name, let value) in replies where name == "item_size_max" {
                if let number = Int(value) { limit = number }
            }
            itemSize.withLock { $0 = limit }
        }
        return limit
    }
}
