import Caching
import Logging
import NIOCore
import NIOPosix

/// One TCP (or Unix socket) connection to a memcached server, shared by any
/// number of concurrent callers: their requests are pipelined, and
/// ``MemcachedChannelHandler`` pairs the replies with them in order.
final class MemcachedConnection: PooledConnection {
    let server: MemcachedServer
    private let channel: any Channel
    private let handler: NIOLoopBound<MemcachedChannelHandler>

    private init(server: MemcachedServer, channel: any Channel, handler: NIOLoopBound<MemcachedChannelHandler>) {
        self.server = server
        self.channel = channel
        self.handler = handler
    }

    /// Whether the connection can still carry requests.
    var isActive: Bool { channel.isActive }

    /// Opens a connection. Fails with a ``MemcachedClientError`` of kind
    /// `connectTimeout` when the connect timeout passes, `connectionRefused`
    /// when nothing listens, `connectFailed` otherwise.
    static func connect(to server: MemcachedServer, group: any EventLoopGroup, connectTimeout: Duration,
                        commandTimeout: Duration, logger: Logger) -> EventLoopFuture<MemcachedConnection> {
        let commandTimeoutAmount = TimeAmount(commandTimeout)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(MemcachedReplyDecoder()),
                        MemcachedChannelHandler(server: server, commandTimeout: commandTimeoutAmount, logger: logger))
                }
            }
        let connected: EventLoopFuture<any Channel>
        switch server.address {
        case .tcp(let host, let port):
            connected = bootstrap.connect(host: host, port: port)
        case .unixSocket(let path):
            connected = bootstrap.connect(unixDomainSocketPath: path)
        }
        return connected
            .flatMap { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try channel.pipeline.syncOperations.handler(type: MemcachedChannelHandler.self)
                    return MemcachedConnection(
                        server: server, channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
            .flatMapErrorThrowing { error in
                if case ChannelError.connectTimeout = error {
                    throw MemcachedClientError(
                        kind: .connectTimeout, server: server,
                        message: "could not connect within \(Self.seconds(connectTimeout)) s")
                }
                if ConnectError.isRefused(error) {
                    throw MemcachedClientError(
                        kind: .connectionRefused, server: server,
                        message: "connection refused; check that memcached runs and the location's port is right")
                }
                throw MemcachedClientError(kind: .connectFailed, server: server, message: "cannot connect: \(error)")
            }
    }

    /// Sends a request and waits for all of its replies, until `deadline`.
    func send(_ request: MemcachedRequest, deadline: NIODeadline) async throws -> [MemcachedReply] {
        let handler = self.handler
        return try await withCheckedThrowingContinuation { waiter in
            if handler.eventLoop.inEventLoop {
                handler.value.enqueue(request, waiter: waiter, deadline: deadline)
            } else {
                handler.eventLoop.execute { handler.value.enqueue(request, waiter: waiter, deadline: deadline) }
            }
        }
    }

    /// Closes the connection; requests still outstanding fail.
    func close() async {
        try? await channel.close()
    }

    /// Closes the connection without waiting.
    func closeSoon() {
        channel.close(promise: nil)
    }

    static func seconds(_ duration: Duration) -> String {
        let value = duration / .seconds(1)
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}
