import Caching
import Logging
import NIOCore
import NIOPosix

/// A Redis client for one server, on SwiftNIO: a small pool of pipelined
/// connections, connect and command timeouts, AUTH and database selection
/// from a `redis://` URL, and reconnection after the server restarts.
///
/// ```swift
/// let client = try RedisClient(url: "redis://127.0.0.1:6379/0")
/// _ = try await client.send(RESPCommand("SET", ["greeting", "hello"]))
/// let reply = try await client.send(RESPCommand("GET", ["greeting"]))
/// ```
///
/// Each call is bounded as a whole by ``Configuration/commandTimeout``
/// (connect, wait and reply together), and the server has a circuit breaker
/// (``Configuration/breaker``): after repeated failures calls fail at once
/// with ``RedisError/circuitOpen(_:)`` until a probe succeeds.
///
/// Commands from concurrent tasks are pipelined on the pool's connections;
/// ``pipeline(_:)`` sends several commands in one write and waits once.
/// Error replies come back as ``RESPValue/error(_:)`` values, so a pipeline's
/// replies stay in order; transport problems throw ``RedisError``.
public final class RedisClient: Sendable {
    /// How the client connects and how long it waits.
    public struct Configuration: Sendable {
        /// How long establishing a TCP connection may take (never longer than
        /// ``commandTimeout``, which bounds the whole call).
        public var connectTimeout: TimeAmount
        /// How long a whole call may take — connecting, waiting for a
        /// connection, the reply; after it the caller gets
        /// ``RedisError/timeout(_:)``, and a connection that owed a reply is
        /// closed and replaced.
        public var commandTimeout: TimeAmount
        /// Connections kept to the server. Each carries any number of
        /// concurrent, pipelined commands; one per event-loop thread is plenty.
        public var connectionsPerServer: Int
        /// When the server's calls start failing at once, and for how long.
        public var breaker: CircuitBreakerSettings
        /// Sends `READONLY` on each new connection: set on the clients of
        /// cluster replicas, so they serve reads of their primary's slots.
        package var readOnly = false

        /// Five-second timeouts, two connections and the default breaker.
        public init(connectTimeout: TimeAmount = .seconds(5), commandTimeout: TimeAmount = .seconds(5), connectionsPerServer: Int = 2,
                    breaker: CircuitBreakerSettings = CircuitBreakerSettings()) {
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.connectionsPerServer = connectionsPerServer
            self.breaker = breaker
        }
    }

    /// The server.
    public let endpoint: RedisEndpoint
    private let pool: ServerConnectionPool<RedisConnection>

    /// The server's circuit breaker.
    package var breaker: CircuitBreaker { pool.breaker }
    /// Connections opened or tried so far (for tests: an open circuit opens none).
    package var connectAttempts: Int { pool.connectAttempts }

    /// A client for `endpoint`. Nothing connects until the first command.
    public init(
        endpoint: RedisEndpoint,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.redis")
    ) {
        self.endpoint = endpoint
        let timeout = Duration.nanoseconds(configuration.commandTimeout.nanoseconds)
        let breaker = CircuitBreaker(
            backend: "redis", server: endpoint.description, settings: configuration.breaker,
            probeTimeout: timeout * 2, logger: logger)
        let errors = ServerConnectionPool<RedisConnection>.Errors(
            timeout: {
                RedisError.timeout("no connection to \(endpoint) within the \(CircuitBreaker.seconds(timeout)) s timeout")
            },
            circuitOpen: { retryIn, lastError in
                RedisError.circuitOpen(
                    "\(endpoint) is failing (circuit open); calls fail at once for \(CircuitBreaker.seconds(retryIn)) s more"
                        + " (last error: \(lastError))")
            },
            closed: { RedisError.clientClosed },
            meansUnavailable: { ($0 as? RedisError)?.meansUnavailable ?? true },
            connectionLost: { error in
                if case .connectionClosed = error as? RedisError { return true }
                return false
            })
        pool = ServerConnectionPool(
            connections: configuration.connectionsPerServer, timeout: timeout, breaker: breaker, errors: errors,
            eventLoopGroup: eventLoopGroup
        ) { loop in
            RedisConnection.connect(to: endpoint, configuration: configuration, group: loop)
        }
    }

    /// A client for the server at `url` (`redis://[[user]:password@]host[:port][/db]`).
    public convenience init(
        url: String,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.redis")
    ) throws(RedisError) {
        self.init(endpoint: try RedisEndpoint(url: url), configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Sends one command and returns its reply. An idempotent command
    /// (``RESPCommand/isIdempotent``) whose connection closes before the
    /// reply is sent once more on a new connection.
    public func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        try await call(idempotent: command.isIdempotent) { connection, deadline in
            try await connection.send(command, deadline: deadline)
        }
    }

    /// Sends `name` with `arguments` and returns the reply.
    public func send(_ name: String, _ arguments: [RESPArgument] = []) async throws(RedisError) -> RESPValue {
        try await send(RESPCommand(name, arguments))
    }

    /// Sends `commands` in one write on one connection and returns their
    /// replies, in order. Not a transaction: other clients' commands may run
    /// between them (use MULTI/EXEC inside the pipeline for that). Sent once
    /// more on a new connection, as by `send(_:)`, only when
    /// every command is idempotent.
    public func pipeline(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue] {
        try await call(idempotent: commands.allSatisfy(\.isIdempotent)) { connection, deadline in
            try await connection.pipeline(commands, deadline: deadline)
        }
    }

    /// One call through the pool: breaker, whole-call deadline, typed errors.
    private func call<T>(idempotent: Bool,
                         _ body: (RedisConnection, NIODeadline) async throws -> T) async throws(RedisError) -> T {
        do {
            return try await pool.run(idempotent: idempotent, body)
        } catch let error as RedisError {
            throw error
        } catch {
            throw .connectionClosed("\(error)")
        }
    }

    /// Closes every connection. Commands after this fail with ``RedisError/clientClosed``.
    public func close() {
        pool.shutdown()
    }
}
