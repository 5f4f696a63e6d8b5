import Caching
import Logging
import NIOCore
import NIOPosix

/// A client for the primary that Redis Sentinel names for a master, which
/// follows failovers.
///
/// - The primary is found by asking the sentinels, in turn,
///   `SENTINEL get-master-addr-by-name`, and checked with `ROLE` (a sentinel
///   that has not yet seen a failover may name the old primary).
/// - A watcher subscribes to `+switch-master` and `+promoted-slave` on one
///   sentinel (the next one when its connection drops) and moves the client
///   to the new primary as soon as the sentinels announce it. Writes the old
///   primary acknowledged after the promotion are lost (Redis replicates
///   asynchronously), so a read may then give the value before them.
/// - A primary that cannot be reached before a command was sent, or that
///   answers `READONLY` (it was demoted), makes the client ask the sentinels
///   again and retry, until the command timeout; a call whose connection was
///   lost after sending fails (the command may have run) and the client asks
///   the sentinels again. Discoveries are coalesced: one at a time.
///
/// Every call is bounded by ``RedisClient/Configuration/commandTimeout`` as a
/// whole, discovery and retries included.
public final class RedisSentinelClient: Sendable {
    /// The sentinels asked, in order.
    public let sentinels: [RedisSlotMap.Node]
    /// The master's name in the sentinels' configuration (`sentinel monitor <name> …`).
    public let masterName: String
    private let template: RedisEndpoint
    private let configuration: RedisClient.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let timeout: Duration
    private let state = CacheLock(State())
    private let watcher: RedisSentinelWatcher

    /// The primary's address, and the one discovery at a time.
    private let topology = RedisTopologyLookup<RedisSlotMap.Node>()

    private struct State {
        var clients: [RedisSlotMap.Node: RedisClient] = [:]
        var switches = 0
        var watching = false
        var closed = false
    }

    /// A client for `masterName` as `sentinels` see it; `endpoint`'s user,
    /// password and database are used on the primary (its host and port are
    /// not). Nothing connects until the first command.
    public init(
        sentinels: [RedisSlotMap.Node], masterName: String, endpoint: RedisEndpoint = RedisEndpoint(host: "127.0.0.1"),
        configuration: RedisClient.Configuration = RedisClient.Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.redis-sentinel")
    ) throws(RedisError) {
        guard !sentinels.isEmpty else {
            throw .invalidURL("Redis Sentinel needs at least one sentinel, such as \"127.0.0.1:26379\"")
        }
        guard !masterName.isEmpty else {
            throw .invalidURL("Redis Sentinel needs the master's name, as in the sentinels' `sentinel monitor <name> …` line")
        }
        self.sentinels = sentinels
        self.masterName = masterName
        self.template = endpoint
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.timeout = Duration.nanoseconds(configuration.commandTimeout.nanoseconds)
        self.watcher = RedisSentinelWatcher(sentinels: sentinels, masterName: masterName, group: eventLoopGroup, logger: logger)
    }

    /// The primary in use (`nil` before the first call).
    public var primary: RedisSlotMap.Node? { topology.current }

    /// Times the sentinels were asked for the primary (for tests).
    package var discoveryCount: Int { topology.count }

    /// Times a `+switch-master` announcement moved the client (for tests).
    package var announcedSwitches: Int { state.withLock { $0.switches } }

    /// The breakers of the servers used so far.
    package var breakers: [CircuitBreaker] { state.withLock { Array($0.clients.values) }.map(\.breaker) }

    /// Connections opened or tried so far.
    package var connectAttempts: Int { state.withLock { Array($0.clients.values) }.reduce(0) { $0 + $1.connectAttempts } }

    /// The breaker of the primary in use (of the first sentinel before discovery).
    package var breaker: CircuitBreaker {
        let node = topology.current ?? sentinels[0]
        do {
            return try client(for: node, sentinel: topology.current == nil).breaker
        } catch {
            return RedisClient(endpoint: template, configuration: configuration, eventLoopGroup: eventLoopGroup).breaker
        }
    }

    private func client(for node: RedisSlotMap.Node, sentinel: Bool = false) throws(RedisError) -> RedisClient {
        let made: RedisClient? = state.withLock { state in
            guard !state.closed else { return nil }
            if let existing = state.clients[node] { return existing }
            var endpoint = sentinel ? RedisEndpoint(host: node.host, port: node.port) : template
            endpoint.host = node.host
            endpoint.port = node.port
            let client = RedisClient(endpoint: endpoint, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
            state.clients[node] = client
            return client
        }
        guard let made else { throw .clientClosed }
        return made
    }

    // MARK: Commands

    /// Sends one command to the primary.
    public func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        let replies = try await run([command])
        guard let reply = replies.first else { throw .protocolError("no reply from the primary of '\(masterName)'") }
        return reply
    }

    /// Sends `commands` in one write to the primary; after a failover the
    /// whole pipeline is sent again to the new one, so its commands must be
    /// safe to repeat.
    public func pipeline(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try await run(commands)
    }

    private func run(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue] {
        startWatching()
        let deadline = ContinuousClock.now + timeout
        var node = try await currentPrimary()
        while true {
            let client = try client(for: node)
            let replies: [RESPValue]
            do {
                replies = commands.count == 1 ? [try await client.send(commands[0])] : try await client.pipeline(commands)
            } catch {
                switch error {
                case .connectionRefused, .connectFailed, .circuitOpen:
                    // Not sent: wait for the sentinels to name a primary that works.
                    node = try await primaryAfterFailover(until: deadline, lastError: error, force: false)
                    continue
                case .connectionClosed, .timeout, .protocolError:
                    discoverInBackground()
                    throw error
                default:
                    throw error
                }
            }
            let demoted = replies.contains { reply in
                if case .error(let message) = reply { return message.hasPrefix("READONLY") }
                return false
            }
            guard demoted else { return replies }
            // The server was demoted to a replica: ask the sentinels where the primary went.
            node = try await primaryAfterFailover(
                until: deadline,
                lastError: .topologyUnavailable("\(node) was the primary of '\(masterName)' but is now a replica, and the sentinels named no other in time"),
                force: true)
        }
    }

    /// Asks the sentinels until they name a primary that answers as one, or
    /// the deadline comes (then `lastError`, or the sentinels' last answer).
    /// While a failover is under way they still name the old primary, which
    /// fails the `ROLE` check: that is waited out, not thrown.
    private func primaryAfterFailover(
        until deadline: ContinuousClock.Instant, lastError: RedisError, force: Bool
    ) async throws(RedisError) -> RedisSlotMap.Node {
        var lastError = lastError
        var force = force
        while try await pause(until: deadline) {
            do {
                return try await discovered(force: force)
            } catch .clientClosed {
                throw .clientClosed
            } catch {
                lastError = error
                force = false
            }
        }
        throw lastError
    }

    private func pause(until deadline: ContinuousClock.Instant) async throws(RedisError) -> Bool {
        let step = Duration.milliseconds(50)
        guard ContinuousClock.now + step < deadline else { return false }
        do {
            try await Task.sleep(for: step)
        } catch {
            throw .timeout("the call was cancelled while waiting for a failover")
        }
        return true
    }

    // MARK: Discovery

    private func currentPrimary() async throws(RedisError) -> RedisSlotMap.Node {
        try await topology.value(load: discover)
    }

    private func discoverInBackground() {
        topology.refreshInBackground(load: discover)
    }

    private func discovered(force: Bool) async throws(RedisError) -> RedisSlotMap.Node {
        try await topology.refreshed(force: force, load: discover)
    }

    /// Asks each sentinel in turn for the primary and checks its `ROLE`.
    private func discover() async throws(RedisError) -> RedisSlotMap.Node {
        let deadline = ContinuousClock.now + timeout
        var problems: [String] = []
        for sentinel in sentinels {
            guard ContinuousClock.now < deadline else {
                problems.append("(no time left for the others within the \(CircuitBreaker.seconds(timeout)) s timeout)")
                break
            }
            do {
                let reply = try await client(for: sentinel, sentinel: true)
                    .send(RESPCommand("SENTINEL", ["get-master-addr-by-name", .string(masterName)]))
                guard case .array(let parts) = reply, parts.count == 2, let host = parts[0].bytes, let port = parts[1].integer,
                      (1...65535).contains(port) else {
                    if case .null = reply {
                        problems.append("sentinel \(sentinel) does not monitor a master named '\(masterName)'")
                    } else {
                        problems.append("sentinel \(sentinel) answered \(reply)")
                    }
                    continue
                }
                let node = RedisSlotMap.Node(host: String(decoding: host, as: UTF8.self), port: port)
                let role = try await client(for: node).send(RESPCommand("ROLE"))
                guard case .array(let fields) = role, let first = fields.first?.bytes,
                      String(decoding: first, as: UTF8.self) == "master" else {
                    problems.append("sentinel \(sentinel) names \(node), which says it is not a primary (\(role))")
                    continue
                }
                return node
            } catch .clientClosed {
                throw .clientClosed
            } catch {
                problems.append("sentinel \(sentinel): \(error)")
            }
        }
        throw .topologyUnavailable("no sentinel named a working primary for '\(masterName)': " + problems.joined(separator: "; "))
    }

    private func startWatching() {
        let start = state.withLock { state in
            defer { state.watching = true }
            return !state.watching && !state.closed
        }
        guard start else { return }
        watcher.start { [weak self] node in
            guard let self else { return }
            self.logger.info("Redis Sentinel announced a new primary", metadata: ["master": "\(self.masterName)", "primary": "\(node)"])
            if self.topology.replace(with: node) != node { self.state.withLock { $0.switches += 1 } }
        }
    }

    /// Closes every connection, the watcher's too; later calls fail with ``RedisError/clientClosed``.
    public func close() {
        let clients = state.withLock { state in
            state.closed = true
            return Array(state.clients.values)
        }
        topology.cancel()
        watcher.stop()
        for client in clients { client.close() }
    }
}

extension RedisSentinelClient: RedisCommandTarget {}

/// A sentinel-watched primary as a backend's servers: every key to the primary.
struct RedisSentinelServers: RedisServers {
    let client: RedisSentinelClient

    func writer(forKey key: String) -> any RedisCommandTarget { client }

    func reader(forKey key: String) -> any RedisCommandTarget { client }

    func batches(_ keys: [[UInt8]]) -> [[Int]] { keys.isEmpty ? [] : [Array(keys.indices)] }

    func primaries() async throws(RedisError) -> [any RedisCommandTarget] { [client] }

    var breakers: [CircuitBreaker] { client.breakers }

    var connectAttempts: Int { client.connectAttempts }

    func close() { client.close() }
}
