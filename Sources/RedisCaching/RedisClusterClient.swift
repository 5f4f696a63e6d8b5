import Caching
import Logging
import NIOCore
import NIOPosix

/// A client for a Redis Cluster: finds which node serves each hash slot,
/// sends each command there, and follows the cluster as it changes.
///
/// - The slot map comes from `CLUSTER SHARDS` (Redis 7), or `CLUSTER SLOTS`
///   on servers without it, asked of a known node or, failing those, a seed.
/// - `MOVED` sends the call to the named node at once and refreshes the map
///   in the background; `ASK` sends `ASKING` and the command to the named
///   node once (a slot being migrated); `TRYAGAIN` and `CLUSTERDOWN` retry.
/// - A node that cannot be reached before a command was sent (refused,
///   cannot connect, circuit open), or a slot with no owner, makes the call
///   wait for a failover: the map is refreshed and the call retried until
///   the command timeout. A call whose connection was lost after sending
///   fails (the command may have run), and the map is refreshed.
/// - Refreshes are coalesced: one at a time, and callers share its result.
/// - Each node has its own ``RedisClient`` — pipelined connections and a
///   circuit breaker per node. With ``Configuration/readFromReplicas``,
///   reads go to replicas, on connections that sent `READONLY`.
///
/// Every call is bounded by ``RedisClient/Configuration/commandTimeout``
/// as a whole, redirections and waits for failover included.
public final class RedisClusterClient: Sendable {
    /// How the client connects, and where reads go.
    public struct Configuration: Sendable {
        /// Timeouts, connections and breaker of each node's client.
        public var client: RedisClient.Configuration
        /// Reads go to a random replica of the slot's shard (replicas lag: a
        /// read right after a write may miss); writes always go to primaries.
        public var readFromReplicas: Bool

        /// Node clients of `client`; reads from primaries unless `readFromReplicas`.
        public init(client: RedisClient.Configuration = RedisClient.Configuration(), readFromReplicas: Bool = false) {
            self.client = client
            self.readFromReplicas = readFromReplicas
        }
    }

    /// The nodes asked for the slot map when no known node answers.
    public let seeds: [RedisSlotMap.Node]
    /// The configuration the client was made with.
    public let configuration: Configuration
    private let template: RedisEndpoint
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let timeout: Duration
    private let state = CacheLock(State())

    /// The slot map, and the one refresh at a time.
    private let topology = RedisTopologyLookup<RedisSlotMap>()

    private struct State {
        var primaries: [RedisSlotMap.Node: RedisClient] = [:]
        var replicas: [RedisSlotMap.Node: RedisClient] = [:]
        var closed = false
    }

    /// A client for the cluster that `seeds` belong to. Their user, password
    /// and database (which must be 0: a cluster has no other) are used for
    /// every node. Nothing connects until the first command.
    public init(
        seeds: [RedisEndpoint], configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "swift-caching.redis-cluster")
    ) throws(RedisError) {
        guard let first = seeds.first else {
            throw .invalidURL("a Redis Cluster needs at least one seed node, such as redis://127.0.0.1:7000")
        }
        if let selecting = seeds.first(where: { $0.database != 0 }) {
            throw .invalidURL("'\(selecting)' selects database \(selecting.database), but a Redis Cluster has only database 0; drop the /\(selecting.database)")
        }
        self.seeds = seeds.map { RedisSlotMap.Node(host: $0.host, port: $0.port) }
        self.template = first
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.timeout = Duration.nanoseconds(configuration.client.commandTimeout.nanoseconds)
    }

    // MARK: Nodes

    /// The client of `node`: a primary's, or a replica's (whose connections send `READONLY`).
    func client(for node: RedisSlotMap.Node, replica: Bool = false) throws(RedisError) -> RedisClient {
        let made: RedisClient? = state.withLock { state in
            guard !state.closed else { return nil }
            if let existing = replica ? state.replicas[node] : state.primaries[node] { return existing }
            var endpoint = template
            endpoint.host = node.host
            endpoint.port = node.port
            var configuration = self.configuration.client
            configuration.readOnly = replica
            let client = RedisClient(endpoint: endpoint, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
            if replica { state.replicas[node] = client } else { state.primaries[node] = client }
            return client
        }
        guard let made else { throw .clientClosed }
        return made
    }

    /// The slot map in use (`nil` before the first call).
    public var slotMap: RedisSlotMap? { topology.current }

    /// Slot-map refreshes so far (for tests: redirections and failovers refresh).
    package var refreshCount: Int { topology.count }

    /// The circuit breakers of the nodes used so far.
    package var breakers: [CircuitBreaker] {
        state.withLock { state in Array(state.primaries.values) + Array(state.replicas.values) }.map(\.breaker)
    }

    /// Connections opened or tried so far, over all nodes.
    package var connectAttempts: Int {
        state.withLock { state in Array(state.primaries.values) + Array(state.replicas.values) }
            .reduce(0) { $0 + $1.connectAttempts }
    }

    /// The breaker of the node serving `slot` now (a seed's before the map is known).
    package func breaker(forSlot slot: Int) -> CircuitBreaker {
        let node = topology.current?.shard(for: slot)?.primary ?? seeds[0]
        do {
            return try client(for: node).breaker
        } catch {
            // Closed: a fresh client's breaker, never used for calls.
            return RedisClient(endpoint: template, configuration: configuration.client, eventLoopGroup: eventLoopGroup).breaker
        }
    }

    /// The clients of every primary of the current map (refreshing it first if there is none).
    func primaryClients() async throws(RedisError) -> [RedisClient] {
        let map = try await currentMap()
        var clients: [RedisClient] = []
        for shard in map.shards { clients.append(try client(for: shard.primary)) }
        return clients
    }

    // MARK: Commands

    /// Sends `command`, about a key in `slot`, to the node serving it.
    public func send(_ command: RESPCommand, slot: Int, read: Bool = false) async throws(RedisError) -> RESPValue {
        let replies = try await run([command], slot: slot, read: read)
        guard let reply = replies.first else { throw .protocolError("no reply to a cluster command for slot \(slot)") }
        return reply
    }

    /// Sends `commands`, all about keys in `slot`, in one write to the node
    /// serving it; on a redirection, the whole pipeline is sent again there,
    /// so its commands must be safe to repeat (reads, `SET`, `DEL`, `EXPIRE`).
    public func pipeline(_ commands: [RESPCommand], slot: Int, read: Bool = false) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try await run(commands, slot: slot, read: read)
    }

    private enum Redirection {
        case moved(RedisSlotMap.Node)
        case ask(RedisSlotMap.Node)
        case retry(String)

        init?(_ reply: RESPValue) {
            guard case .error(let message) = reply else { return nil }
            let words = message.split(separator: " ")
            switch words.first {
            case "MOVED"? where words.count >= 3: guard let node = RedisSlotMap.Node(parsing: words[2]) else { return nil }; self = .moved(node)
            case "ASK"? where words.count >= 3: guard let node = RedisSlotMap.Node(parsing: words[2]) else { return nil }; self = .ask(node)
            case "TRYAGAIN"?, "CLUSTERDOWN"?: self = .retry(message)
            default: return nil
            }
        }
    }

    /// One call: route, redirect, wait out failovers, all within the timeout.
    private func run(_ commands: [RESPCommand], slot: Int, read: Bool) async throws(RedisError) -> [RESPValue] {
        let deadline = ContinuousClock.now + timeout
        var map = try await currentMap()
        var direct: RedisSlotMap.Node?
        var asking = false
        var redirections = 0
        var lastProblem = ""
        while true {
            let node: RedisSlotMap.Node
            var replica = false
            if let target = direct {
                node = target
            } else if let shard = map.shard(for: slot) {
                if read && configuration.readFromReplicas, let chosen = shard.replicas.randomElement() {
                    node = chosen
                    replica = true
                } else {
                    node = shard.primary
                }
            } else {
                // No owner: a failover may be under way; wait for one until the deadline.
                lastProblem = "the cluster map has no primary for it"
                guard try await pause(until: deadline) else {
                    throw .slotNotServed(slot: slot, message: "\(lastProblem) (asked \(seeds.map(\.description).joined(separator: ", ")) and known nodes)")
                }
                map = await refreshedOrKept(map)
                continue
            }
            let client = try client(for: node, replica: replica)
            let replies: [RESPValue]
            do {
                if asking {
                    var sent: [RESPCommand] = []
                    for command in commands { sent += [RESPCommand("ASKING"), command] }
                    replies = try await client.pipeline(sent).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                } else if commands.count == 1 {
                    replies = [try await client.send(commands[0])]
                } else {
                    replies = try await client.pipeline(commands)
                }
            } catch {
                switch error {
                case .connectionRefused, .connectFailed, .circuitOpen:
                    // Not sent: wait for the cluster to promote a replica, then retry.
                    lastProblem = "\(node): \(error)"
                    direct = nil
                    asking = false
                    guard try await pause(until: deadline) else { throw error }
                    map = await refreshedOrKept(map)
                    continue
                case .connectionClosed, .timeout, .protocolError:
                    refreshInBackground()
                    throw error
                default:
                    throw error
                }
            }
            guard let redirection = replies.lazy.compactMap(Redirection.init).first else { return replies }
            redirections += 1
            guard redirections <= 16, ContinuousClock.now < deadline else {
                throw .slotNotServed(slot: slot, message: "redirections did not settle after \(redirections); the last, from \(node): \(redirection)")
            }
            switch redirection {
            case .moved(let target):
                direct = target
                asking = false
                refreshInBackground()
            case .ask(let target):
                direct = target
                asking = true
            case .retry:
                direct = nil
                asking = false
                guard try await pause(until: deadline) else {
                    throw .slotNotServed(slot: slot, message: "\(node) kept answering \(redirection)")
                }
                map = await refreshedOrKept(map)
            }
        }
    }

    /// Sleeps a little before a retry; `false` when the deadline is too near.
    private func pause(until deadline: ContinuousClock.Instant) async throws(RedisError) -> Bool {
        let step = Duration.milliseconds(50)
        guard ContinuousClock.now + step < deadline else { return false }
        do {
            try await Task.sleep(for: step)
        } catch {
            throw .timeout("the call was cancelled while waiting for the cluster")
        }
        return true
    }

    // MARK: Topology

    /// A fresh map, or `map` when no node can give one now (during a
    /// failover the caller keeps waiting until its deadline instead).
    private func refreshedOrKept(_ map: RedisSlotMap) async -> RedisSlotMap {
        do {
            return try await refreshed(force: false)
        } catch {
            return map
        }
    }

    /// The map, loading it on first use.
    private func currentMap() async throws(RedisError) -> RedisSlotMap {
        try await topology.value(load: loadMap)
    }

    /// Starts a refresh unless one runs, without waiting for it.
    private func refreshInBackground() {
        topology.refreshInBackground(load: loadMap)
    }

    /// A fresh map: joins the refresh under way, or starts one (unless
    /// `force` is false and the last one finished under 100 ms ago).
    func refreshed(force: Bool) async throws(RedisError) -> RedisSlotMap {
        try await topology.refreshed(force: force, load: loadMap)
    }

    /// Asks the known primaries, then their replicas, then the seeds, for the
    /// slot map; the first usable answer wins.
    private func loadMap() async throws(RedisError) -> RedisSlotMap {
        let deadline = ContinuousClock.now + timeout
        let known = topology.current
        var candidates: [RedisSlotMap.Node] = []
        for node in (known?.shards.map(\.primary) ?? []).shuffled() + (known?.shards.flatMap(\.replicas) ?? []) + seeds
        where !candidates.contains(node) {
            candidates.append(node)
        }
        var problems: [String] = []
        for node in candidates {
            guard ContinuousClock.now < deadline else {
                problems.append("(no time left for the others within the \(CircuitBreaker.seconds(timeout)) s timeout)")
                break
            }
            do {
                let client = try client(for: node)
                var reply = try await client.send(RESPCommand("CLUSTER", ["SHARDS"]))
                var map: RedisSlotMap
                if case .error(let message) = reply, message.lowercased().contains("unknown subcommand") {
                    reply = try await client.send(RESPCommand("CLUSTER", ["SLOTS"]))
                    if case .error(let message) = reply { problems.append("\(node): \(message)"); continue }
                    map = try RedisSlotMap.parse(slots: reply, from: node)
                } else {
                    if case .error(let message) = reply { problems.append("\(node): \(message)"); continue }
                    map = try RedisSlotMap.parse(shards: reply, from: node)
                }
                guard !map.shards.isEmpty else {
                    problems.append("\(node): its slot map has no primary serving any slot")
                    continue
                }
                let holes = map.uncoveredSlots
                if !holes.isEmpty {
                    logger.warning("Redis Cluster slots without a primary", metadata: [
                        "node": "\(node)", "slots": "\(holes.prefix(5).map { "\($0.lowerBound)-\($0.upperBound)" })"])
                }
                return map
            } catch .clientClosed {
                throw .clientClosed
            } catch {
                problems.append("\(node): \(error)")
            }
        }
        throw .topologyUnavailable("no node gave the Redis Cluster's slot map: " + problems.joined(separator: "; "))
    }

    /// Closes every node's connections; later calls fail with ``RedisError/clientClosed``.
    public func close() {
        let clients = state.withLock { state in
            state.closed = true
            return Array(state.primaries.values) + Array(state.replicas.values)
        }
        topology.cancel()
        for client in clients { client.close() }
    }
}

/// A cluster call about one key: the ``RedisCommandTarget`` that
/// ``RedisCacheBackend`` uses, routed by the key's slot.
struct RedisClusterRoute: RedisCommandTarget {
    let cluster: RedisClusterClient
    let slot: Int
    let read: Bool

    func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        try await cluster.send(command, slot: slot, read: read)
    }

    func pipeline(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue] {
        try await cluster.pipeline(commands, slot: slot, read: read)
    }

    var breaker: CircuitBreaker { cluster.breaker(forSlot: slot) }
}

/// A Redis Cluster as a backend's servers: keys routed by slot, multi-key
/// calls split by slot, `clear` on every primary.
struct RedisClusterServers: RedisServers {
    let cluster: RedisClusterClient

    func writer(forKey key: String) -> any RedisCommandTarget {
        RedisClusterRoute(cluster: cluster, slot: RedisClusterSlot.of(key), read: false)
    }

    func reader(forKey key: String) -> any RedisCommandTarget {
        RedisClusterRoute(cluster: cluster, slot: RedisClusterSlot.of(key), read: true)
    }

    func batches(_ keys: [[UInt8]]) -> [[Int]] {
        var bySlot: [Int: [Int]] = [:]
        for (index, key) in keys.enumerated() { bySlot[RedisClusterSlot.of(key), default: []].append(index) }
        return bySlot.keys.sorted().compactMap { bySlot[$0] }
    }

    func primaries() async throws(RedisError) -> [any RedisCommandTarget] {
        try await cluster.primaryClients()
    }

    var breakers: [CircuitBreaker] { cluster.breakers }

    var connectAttempts: Int { cluster.connectAttempts }

    func close() { cluster.close() }
}
