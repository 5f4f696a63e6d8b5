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
/// Commands from concurrent tasks are pipelined on the pool's connections;
/// ``pipeline(_:)`` sends several commands in one write and waits once.
/// Error replies come back as ``RESPValue/error(_:)`` values, so a pipeline's
/// replies stay in order; transport problems throw ``RedisError``.
public final class RedisClient: Sendable {
    /// How the client connects and how long it waits.
    public struct Configuration: Sendable {
        /// How long establishing a TCP connection may take.
        public var connectTimeout: TimeAmount
        /// How long a reply may take; after it the connection is closed and
        /// replaced, and the caller gets ``RedisError/timeout(_:)``.
        public var commandTimeout: TimeAmount
        /// Connections kept to the server. Each carries any number of
        /// concurrent, pipelined commands; one per event-loop thread is plenty.
        public var connectionsPerServer: Int

        /// Five-second timeouts and two connections.
        public init(connectTimeout: TimeAmount = .seconds(5), commandTimeout: TimeAmount = .seconds(5), connectionsPerServer: Int = 2) {
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.connectionsPerServer = connectionsPerServer
        }
    }

    /// The server.
    public var endpoint: RedisEndpoint { pool.endpoint }
    private let pool: RedisConnectionPool

    /// A client for `endpoint`. Nothing connects until the first command.
    public init(
        endpoint: RedisEndpoint,
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.redis")
    ) {
        pool = RedisConnectionPool(endpoint: endpoint, configuration: configuration, group: eventLoopGroup, logger: logger)
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

    /// Sends one command and returns its reply.
    public func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        try await pool.connection().send(command)
    }

    /// Sends `name` with `arguments` and returns the reply.
    public func send(_ name: String, _ arguments: [RESPArgument] = []) async throws(RedisError) -> RESPValue {
        try await send(RESPCommand(name, arguments))
    }

    /// Sends `commands` in one write on one connection and returns their
    /// replies, in order. Not a transaction: other clients' commands may run
    /// between them (use MULTI/EXEC inside the pipeline for that).
    public func pipeline(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue] {
        try await pool.connection().pipeline(commands)
    }

    /// Closes every connection. Commands after this fail with ``RedisError/clientClosed``.
    public func close() {
        pool.close()
    }
}
