import Caching
import Logging
import NIOCore
import NIOPosix

/// Listens for `+switch-master` (and `+promoted-slave`, which comes earlier
/// in a failover) on one sentinel at a time and reports the new primary of
/// one master; when the sentinel's connection drops, it moves to the next
/// sentinel half a second later, until stopped.
///
/// Redis replicates asynchronously: writes the old primary acknowledges
/// between the promotion and the client's move are lost. Listening to
/// `+promoted-slave` shortens that window; it cannot close it.
///
/// A switch announced while no sentinel was listened to is missed; the
/// client then finds the new primary when the old one refuses it
/// (connection refused, `READONLY`).
final class RedisSentinelWatcher: Sendable {
    typealias OnSwitch = @Sendable (RedisSlotMap.Node) -> Void

    private let sentinels: [RedisSlotMap.Node]
    private let masterName: String
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = CacheLock(State())

    private struct State {
        var channel: (any Channel)?
        var onSwitch: OnSwitch?
        var next = 0
        var stopped = false
    }

    init(sentinels: [RedisSlotMap.Node], masterName: String, group: any EventLoopGroup, logger: Logger) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.group = group
        self.logger = logger
    }

    /// Starts listening; `onSwitch` gets each new primary.
    func start(_ onSwitch: @escaping OnSwitch) {
        state.withLock { $0.onSwitch = onSwitch }
        connect()
    }

    /// Stops listening for good.
    func stop() {
        let channel = state.withLock { state in
            state.stopped = true
            return state.channel
        }
        channel?.close(promise: nil)
    }

    private func connect() {
        let target: (RedisSlotMap.Node, OnSwitch)? = state.withLock { state in
            guard !state.stopped, let onSwitch = state.onSwitch else { return nil }
            defer { state.next += 1 }
            return (sentinels[state.next % sentinels.count], onSwitch)
        }
        guard let (sentinel, onSwitch) = target else { return }
        let masterName = self.masterName
        ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        SubscriptionHandler(masterName: masterName, onSwitch: onSwitch, onClose: { [weak self] in self?.reconnectSoon() }))
                }
            }
            .connect(host: sentinel.host, port: sentinel.port)
            .whenComplete { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let channel):
                    let stopped = self.state.withLock { state in
                        if !state.stopped { state.channel = channel }
                        return state.stopped
                    }
                    if stopped { channel.close(promise: nil) }
                case .failure(let error):
                    self.logger.debug("cannot listen to a Redis sentinel", metadata: ["sentinel": "\(sentinel)", "error": "\(error)"])
                    self.reconnectSoon()
                }
            }
    }

    private func reconnectSoon() {
        guard !state.withLock({ $0.stopped }) else { return }
        group.any().scheduleTask(in: .milliseconds(500)) { [weak self] in self?.connect() }
    }

    /// Sends `SUBSCRIBE +switch-master` and reads the messages.
    private final class SubscriptionHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let masterName: String
        let onSwitch: OnSwitch
        let onClose: @Sendable () -> Void
        private var cumulation: ByteBuffer?

        init(masterName: String, onSwitch: @escaping OnSwitch, onClose: @escaping @Sendable () -> Void) {
            self.masterName = masterName
            self.onSwitch = onSwitch
            self.onClose = onClose
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(
                wrapOutboundOut(RESPCommand("SUBSCRIBE", ["+switch-master", "+promoted-slave"]).buffer), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            if var buffer = cumulation {
                cumulation = nil
                buffer.writeBuffer(&incoming)
                incoming = buffer
            }
            do {
                while let value = try RESPParser.next(from: &incoming) { handle(value) }
            } catch {
                context.close(promise: nil)
                return
            }
            if incoming.readableBytes > 0 {
                incoming.discardReadBytes()
                cumulation = incoming
            }
        }

        /// `["message", "+switch-master", "<name> <old ip> <old port> <new ip> <new port>"]`, or
        /// `["message", "+promoted-slave", "slave <id> <ip> <port> @ <name> <old ip> <old port>"]`.
        private func handle(_ value: RESPValue) {
            guard case .array(let parts) = value, parts.count == 3, parts[0].bytes == Array("message".utf8),
                  let channel = parts[1].bytes, let payload = parts[2].bytes else { return }
            let words = String(decoding: payload, as: UTF8.self).split(separator: " ")
            if channel == Array("+switch-master".utf8) {
                guard words.count == 5, words[0] == masterName, let port = Int(words[4]), (1...65535).contains(port) else { return }
                onSwitch(RedisSlotMap.Node(host: String(words[3]), port: port))
            } else {
                guard words.count == 8, words[4] == "@", words[5] == masterName, let port = Int(words[3]),
                      (1...65535).contains(port) else { return }
                onSwitch(RedisSlotMap.Node(host: String(words[2]), port: port))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            onClose()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
