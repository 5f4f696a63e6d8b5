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
    /// on an event loop of `group`. Every step runs on the event loop, so the
    /// connect is as quick as the server, however busy the task pool is.
    static func connect(
        to endpoint: RedisEndpoint, configuration: RedisClient.Configuration, group: any EventLoopGroup
    ) -> EventLoopFuture<RedisConnection> {
        let timeout = configuration.commandTimeout
        let connectTimeout = min(configuration.connectTimeout, timeout)
        return ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RedisChannelHandler(commandTimeout: timeout))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .flatMapErrorThrowing { error -> any Channel in
                if ConnectError.isRefused(error) { throw RedisError.connectionRefused(host: endpoint.host, port: endpoint.port) }
                if ConnectError.isTimeout(error) {
                    let seconds = Double(connectTimeout.nanoseconds) / 1e9
                    throw RedisError.timeout("could not connect to \(endpoint.host):\(endpoint.port) within \(seconds) s")
                }
                throw RedisError.connectFailed(host: endpoint.host, port: endpoint.port, reason: "\(error)")
            }
            .flatMap { channel in
                let connection = channel.eventLoop.makeCompletedFuture {
                    let handler = try channel.pipeline.syncOperations.handler(type: RedisChannelHandler.self)
                    return RedisConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }.flatMapErrorThrowing { _ -> RedisConnection in
                    channel.close(promise: nil)
                    throw RedisError.connectionClosed("the connection closed while it was being set up")
                }
                return connection.flatMap { connection in
                    connection.handshake(endpoint, readOnly: configuration.readOnly, deadline: .now() + timeout)
                        .map { connection }
                        .flatMapErrorThrowing { error in
                            connection.closeSoon()
                            throw error
                        }
                }
            }
    }

    /// AUTH, SELECT and (for a cluster replica) READONLY, in one round trip, on the event loop.
    private func handshake(_ endpoint: RedisEndpoint, readOnly: Bool, deadline: NIODeadline) -> EventLoopFuture<Void> {
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
        if readOnly {
            commands.append(RESPCommand("READONLY"))
        }
        let loop = channel.eventLoop
        let sent = commands
        guard !sent.isEmpty else { return loop.makeSucceededVoidFuture() }
        var bytes = ByteBufferAllocator().buffer(capacity: commands.reduce(0) { $0 + $1.buffer.readableBytes })
        for command in commands { bytes.writeImmutableBuffer(command.buffer) }
        let promise = loop.makePromise(of: [RESPValue].self)
        submit(bytes, .promise(promise, expected: commands.count, replies: []), deadline: deadline)
        return promise.futureResult.flatMapThrowing { replies in
            for (index, reply) in replies.enumerated() {
                guard case .error(let message) = reply else { continue }
                if endpoint.password != nil && index == 0 { throw RedisError.authenticationFailed(message) }
                if message.hasPrefix("NOAUTH") { throw RedisError.authenticationFailed(message) }
                if readOnly && index == sent.count - 1 {
                    throw RedisError.server("READONLY (a replica read of a Redis Cluster): \(message)")
                }
                if message.contains("DB index is out of range") {
                    throw RedisError.databaseMissing("SELECT \(endpoint.database): \(message)")
                }
                throw RedisError.server("SELECT \(endpoint.database): \(message)")
            }
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
