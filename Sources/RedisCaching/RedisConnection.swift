import Caching
import NIOCore
import NIOPosix

/// One open connection to a Redis server.
///
/// Any number of tasks can use a connection at once: their commands are
/// pipelined, and each gets its own reply. A connection that failed stays
/// failed (``isActive`` turns false); the pool replaces it.
final class RedisConnection: PooledConnection {
    private let channel: any Channel
    private let handler: NIOLoopBound<RedisChannelHandler>

    private init(channel: any Channel, handler: NIOLoopBound<RedisChannelHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Whether the connection is open; a closed one is replaced by the pool.
    var isActive: Bool { channel.isActive }

    /// Connects to `endpoint`, then authenticates and selects the database,
    /// on an event loop of `group`.
    static func connect(
        to endpoint: RedisEndpoint, configuration: RedisClient.Configuration, group: any EventLoopGroup
    ) -> EventLoopFuture<RedisConnection> {
        let promise = group.any().makePromise(of: RedisConnection.self)
        promise.completeWithTask { try await connect(to: endpoint, configuration: configuration, group: group) }
        return promise.futureResult
    }

    private static func connect(
        to endpoint: RedisEndpoint, configuration: RedisClient.Configuration, group: any EventLoopGroup
    ) async throws(RedisError) -> RedisConnection {
        let timeout = configuration.commandTimeout
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(min(configuration.connectTimeout, timeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(commandTimeout: timeout))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            if ConnectError.isRefused(error) { throw .connectionRefused(host: endpoint.host, port: endpoint.port) }
            if ConnectError.isTimeout(error) {
                let seconds = Double(min(configuration.connectTimeout, timeout).nanoseconds) / 1e9
                throw .timeout("could not connect to \(endpoint.host):\(endpoint.port) within \(seconds) s")
            }
            throw .connectFailed(host: endpoint.host, port: endpoint.port, reason: "\(error)")
        }
        let handler: NIOLoopBound<RedisChannelHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: RedisChannelHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            channel.close(promise: nil)
            throw .connectionClosed("the connection closed while it was being set up")
        }
        let connection = RedisConnection(channel: channel, handler: handler)
        do {
            try await connection.handshake(endpoint, deadline: .now() + timeout)
        } catch {
            connection.closeSoon()
            throw error
        }
        return connection
    }

    /// AUTH and SELECT, in one round trip.
    private func handshake(_ endpoint: RedisEndpoint, deadline: NIODeadline) async throws(RedisError) {
        var commands: [RESPCommand] = []
        if let password = endpoint.password {
            if let user = endpoint.user {
                commands.append(RESPCommand("AUTH", [.string(user), .string(password)]))
            } else {
                commands.append(RESPCommand("AUTH", [.string(password)]))
            }
        }
        if endpoint.database != 0 {
            commands.append(RESPCommand("SELECT", [.integer(endpoint.database)]))
        }
        guard !commands.isEmpty else { return }
        let replies = try await pipeline(commands, deadline: deadline)
        for (index, reply) in replies.enumerated() {
            guard case .error(let message) = reply else { continue }
            if endpoint.password != nil && index == 0 { throw .authenticationFailed(message) }
            if message.hasPrefix("NOAUTH") { throw .authenticationFailed(message) }
            if message.contains("DB index is out of range") { throw .databaseMissing("SELECT \(endpoint.database): \(message)") }
            throw .server("SELECT \(endpoint.database): \(message)")
        }
    }

    /// Sends one command and returns its reply (error replies included, as values).
    func send(_ command: RESPCommand, deadline: NIODeadline) async throws(RedisError) -> RESPValue {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                submit(command.buffer, .one(continuation), deadline: deadline)
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw .connectionClosed("\(error)")
        }
    }

    /// Sends several commands in one write and returns their replies in order.
    func pipeline(_ commands: [RESPCommand], deadline: NIODeadline) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        var bytes: ByteBuffer
        if commands.count == 1 {
            bytes = commands[0].buffer
        } else {
            bytes = ByteBufferAllocator().buffer(capacity: commands.reduce(0) { $0 + $1.buffer.readableBytes })
            for command in commands { bytes.writeImmutableBuffer(command.buffer) }
        }
        let payload = bytes
        do {
            return try await withCheckedThrowingContinuation { continuation in
                submit(payload, .many(continuation, expected: commands.count, replies: []), deadline: deadline)
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw .connectionClosed("\(error)")
        }
    }

    private func submit(_ bytes: ByteBuffer, _ waiter: RedisChannelHandler.Waiter, deadline: NIODeadline) {
        let loop = channel.eventLoop
        if loop.inEventLoop {
            handler.value.enqueue(bytes, waiter: waiter, deadline: deadline)
        } else {
            let handler = self.handler
            loop.execute { handler.value.enqueue(bytes, waiter: waiter, deadline: deadline) }
        }
    }

    /// Closes the connection without waiting; pending requests fail with
    /// ``RedisError/connectionClosed(_:)``.
    func closeSoon() {
        channel.close(promise: nil)
    }

    /// Closes the connection and waits until it is closed.
    func close() async {
        try? await channel.close()
    }
}
