import Caching
import Logging
import NIOCore
import NIOPosix

/// A Redis pub/sub subscription that stays up: it listens on one node at a
/// time (moving to the next of `nodes` after a drop, half a second later),
/// until stopped. The one subscriber of the package: the Sentinel watcher
/// (``RedisSentinelWatcher``) and the near cache's invalidation channel
/// (``RedisInvalidationChannel``) both listen through it.
///
/// It reports ``Event/subscribed`` once the server confirmed every channel,
/// each message, and ``Event/disconnected`` whenever it stops listening (the
/// connection dropped or was refused, the server answered the handshake with
/// an error, or — with a `heartbeat` — a `PING` went unanswered for a whole
/// interval, which catches a connection that died silently).
final class RedisSubscriber: Sendable {
    /// What the subscriber reports.
    enum Event: Sendable {
        /// Every channel is subscribed: messages from now on arrive.
        case subscribed
        /// A message published on `channel`.
        case message(channel: [UInt8], payload: [UInt8])
        /// No longer listening; messages may be missed until ``subscribed``.
        case disconnected
    }

    typealias Listener = @Sendable (Event) -> Void

    private let nodes: [RedisSlotMap.Node]
    private let channels: [String]
    private let handshake: [RESPCommand]
    private let heartbeat: TimeAmount?
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = CacheLock(State())

    private struct State {
        var channel: (any Channel)?
        var listener: Listener?
        var next = 0
        var stopped = false
    }

    /// A subscriber to `channels` on one of `nodes`; `handshake` (AUTH) is
    /// sent first on each connection; `heartbeat` is the `PING` interval.
    init(nodes: [RedisSlotMap.Node], channels: [String], handshake: [RESPCommand] = [], heartbeat: TimeAmount? = nil,
         group: any EventLoopGroup, logger: Logger) {
        self.nodes = nodes
        self.channels = channels
        self.handshake = handshake
        self.heartbeat = heartbeat
        self.group = group
        self.logger = logger
    }

    /// Starts listening; `listener` gets every event, on an event loop.
    func start(_ listener: @escaping Listener) {
        state.withLock { $0.listener = listener }
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
        let target: (RedisSlotMap.Node, Listener)? = state.withLock { state in
            guard !state.stopped, let listener = state.listener else { return nil }
            defer { state.next += 1 }
            return (nodes[state.next % nodes.count], listener)
        }
        guard let (node, listener) = target else { return }
        let channels = self.channels
        let handshake = self.handshake
        let heartbeat = self.heartbeat
        ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SubscriptionHandler(
                        channels: channels, handshake: handshake, heartbeat: heartbeat, listener: listener,
                        onClose: { [weak self] in self?.reconnectSoon() }))
                }
            }
            .connect(host: node.host, port: node.port)
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
                    self.logger.debug("cannot subscribe on a Redis server", metadata: ["server": "\(node)", "error": "\(error)"])
                    listener(.disconnected)
                    self.reconnectSoon()
                }
            }
    }

    private func reconnectSoon() {
        guard !state.withLock({ $0.stopped }) else { return }
        group.any().scheduleTask(in: .milliseconds(500)) { [weak self] in self?.connect() }
    }

    /// Sends the handshake and `SUBSCRIBE`, then reads confirmations,
    /// messages and heartbeat replies.
    private final class SubscriptionHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let channels: [String]
        let handshake: [RESPCommand]
        let heartbeat: TimeAmount?
        let listener: Listener
        let onClose: @Sendable () -> Void
        private var replies = RESPReplyBuffer()
        private var handshakeReplies = 0
        private var confirmed = 0
        private var awaitingPong = false
        private var active = false

        init(channels: [String], handshake: [RESPCommand], heartbeat: TimeAmount?, listener: @escaping Listener,
             onClose: @escaping @Sendable () -> Void) {
            self.channels = channels
            self.handshake = handshake
            self.heartbeat = heartbeat
            self.listener = listener
            self.onClose = onClose
        }

        func channelActive(context: ChannelHandlerContext) {
            active = true
            var bytes = ByteBufferAllocator().buffer(capacity: 256)
            for command in handshake { bytes.writeImmutableBuffer(command.buffer) }
            bytes.writeImmutableBuffer(RESPCommand("SUBSCRIBE", channels.map { .string($0) }).buffer)
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            scheduleHeartbeat(context: context)
            context.fireChannelActive()
        }

        private func scheduleHeartbeat(context: ChannelHandlerContext) {
            guard let heartbeat else { return }
            context.eventLoop.assumeIsolated().scheduleTask(in: heartbeat) {
                guard self.active else { return }
                if self.awaitingPong {
                    // A whole interval without an answer: the connection is
                    // dead or the server stuck; messages may be lost.
                    context.close(promise: nil)
                    return
                }
                self.awaitingPong = true
                context.writeAndFlush(self.wrapOutboundOut(RESPCommand("PING").buffer), promise: nil)
                self.scheduleHeartbeat(context: context)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            do {
                try replies.read(unwrapInboundIn(data)) { value throws(RedisError) in
                    guard handle(value) else { throw .protocolError("the subscription was refused") }
                }
            } catch {
                context.close(promise: nil)
            }
        }

        /// Handles one reply; `false` closes the connection (an error reply).
        private func handle(_ value: RESPValue) -> Bool {
            if handshakeReplies < handshake.count {
                handshakeReplies += 1
                if case .error = value { return false }
                return true
            }
            guard case .array(let parts) = value, let kind = parts.first?.bytes else {
                if case .error = value { return false }
                return true
            }
            switch kind {
            case Array("message".utf8):
                guard parts.count == 3, let channel = parts[1].bytes, let payload = parts[2].bytes else { return true }
                listener(.message(channel: channel, payload: payload))
            case Array("subscribe".utf8):
                confirmed += 1
                if confirmed == channels.count { listener(.subscribed) }
            case Array("pong".utf8):
                awaitingPong = false
            default:
                break
            }
            return true
        }

        func channelInactive(context: ChannelHandlerContext) {
            active = false
            listener(.disconnected)
            onClose()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
