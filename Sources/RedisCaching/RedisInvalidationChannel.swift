import Caching
import Logging
import NIOCore
import NIOPosix

/// The near cache's invalidation channel on Redis pub/sub: writes `PUBLISH`
/// the changed keys on one channel, and every instance listens on it
/// (`RedisSubscriber`).
///
/// Why pub/sub rather than `CLIENT TRACKING`: it works over any backing
/// backend (the keys need not live in this Redis) and with the package's
/// RESP2 client. Messages are `k<final key>` for a changed key and `*` for
/// `clear`. Redis delivers each message to every subscriber connected when
/// it was published, in order; a subscriber that was not connected misses
/// it — which is why the near cache flushes on every drop.
///
/// The subscription sends `PING` every ``heartbeat``; a whole interval
/// without an answer closes the connection, so a connection that died
/// silently is noticed within two intervals. A subscriber Redis cuts off for
/// lagging (`client-output-buffer-limit pubsub`) is a drop like any other.
public final class RedisInvalidationChannel: CacheInvalidationChannel {
    /// The server.
    public let endpoint: RedisEndpoint
    /// The pub/sub channel's name.
    public let channelName: String
    /// The interval between heartbeat `PING`s.
    public let heartbeat: TimeAmount
    private let publisher: RedisClient
    private let group: any EventLoopGroup
    private let logger: Logger
    private let subscriber = CacheLock<RedisSubscriber?>(nil)

    /// A channel named `channelName` on `endpoint`; publishing uses a client
    /// with `configuration` (by default one connection and the client's
    /// five-second timeouts, as the Redis backend's). Nothing connects until ``start(_:)`` or the
    /// first publish.
    public init(endpoint: RedisEndpoint, channelName: String, heartbeat: TimeAmount = .seconds(1),
                configuration: RedisClient.Configuration = RedisClient.Configuration(connectionsPerServer: 1),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "swift-caching.near")) {
        self.endpoint = endpoint
        self.channelName = channelName
        self.heartbeat = heartbeat
        self.group = eventLoopGroup
        self.logger = logger
        self.publisher = RedisClient(endpoint: endpoint, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    deinit {
        stop()
        publisher.close()
    }

    private var backendName: String { "near invalidation channel \(channelName) on \(endpoint)" }

    public func start(_ listener: @escaping @Sendable (CacheInvalidationEvent) -> Void) {
        var handshake: [RESPCommand] = []
        if let password = endpoint.password {
            handshake.append(RESPCommand("AUTH", endpoint.user.map { [.string($0), .string(password)] } ?? [.string(password)]))
        }
        let fresh = RedisSubscriber(
            nodes: [RedisSlotMap.Node(host: endpoint.host, port: endpoint.port)], channels: [channelName],
            handshake: handshake, heartbeat: heartbeat, group: group, logger: logger)
        let previous = subscriber.withLock { current in
            defer { current = fresh }
            return current
        }
        previous?.stop()
        fresh.start { [weak self] event in
            // A replaced subscriber's last events (its drop) must not reach
            // the listener as if they were the current one's.
            guard let self, self.subscriber.withLock({ $0 === fresh }) else { return }
            switch event {
            case .subscribed:
                listener(.connected)
            case .disconnected:
                listener(.disconnected)
            case .message(_, let payload):
                guard let kind = payload.first else { return }
                if kind == UInt8(ascii: "k") {
                    listener(.keys([String(decoding: payload.dropFirst(), as: UTF8.self)]))
                } else if kind == UInt8(ascii: "*") {
                    listener(.all)
                }
            }
        }
    }

    public func publish(_ keys: [String]) async throws {
        let commands = keys.map { key in
            RESPCommand("PUBLISH", [.string(channelName), .bytes([UInt8(ascii: "k")] + Array(key.utf8))])
        }
        try await send(commands)
    }

    public func publishAll() async throws {
        try await send([RESPCommand("PUBLISH", [.string(channelName), "*"])])
    }

    private func send(_ commands: [RESPCommand]) async throws {
        let replies: [RESPValue]
        do {
            replies = try await publisher.pipeline(commands)
        } catch {
            throw error.cacheError(backend: backendName)
        }
        if let failure = replies.first(where: { if case .error = $0 { return true } else { return false } }),
           case .error(let message) = failure {
            throw CacheError.backendFailure(backend: backendName, message: "PUBLISH failed: \(message)")
        }
    }

    public func stop() {
        let current = subscriber.withLock { current in
            defer { current = nil }
            return current
        }
        current?.stop()
    }
}
