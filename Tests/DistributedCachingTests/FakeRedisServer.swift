import Caching
import NIOCore
import NIOPosix
import Synchronization

/// A TCP server that answers whatever a test scripts, to show how the client
/// handles replies a real Redis would not send.
final class FakeRedisServer: Sendable {
    /// What the server sends back for bytes received on the `connection`-th
    /// connection (0-based); `nil` sends nothing. A reply containing `|` is
    /// sent in pieces, 30 ms apart, so the client sees it split across reads;
    /// ``closeConnection`` closes the connection without a reply.
    typealias Script = @Sendable (_ connection: Int, _ received: ByteBuffer) -> String?

    /// A script's reply that closes the connection instead (a server that
    /// restarts, or drops an idle connection, as a command arrives).
    static let closeConnection = "<close>"

    private let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start(_ script: @escaping Script) async throws -> FakeRedisServer {
        let connections = CacheLock(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let index = connections.withLock { count in
                    defer { count += 1 }
                    return count
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(index: index, script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return FakeRedisServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class ScriptedHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let index: Int
        let script: Script

        init(index: Int, script: @escaping Script) {
            self.index = index
            self.script = script
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let reply = script(index, unwrapInboundIn(data)) else { return }
            if reply == FakeRedisServer.closeConnection {
                context.close(promise: nil)
                return
            }
            let loop = context.eventLoop.assumeIsolated()
            for (position, piece) in reply.split(separator: "|", omittingEmptySubsequences: false).enumerated() {
                let bytes = ByteBuffer(string: String(piece))
                loop.scheduleTask(in: .milliseconds(30 * Int64(position))) {
                    context.writeAndFlush(self.wrapOutboundOut(bytes), promise: nil)
                }
            }
        }
    }
}
