import Caching

/// Where one backend call goes: one server (``RedisClient``), the node that
/// serves a key's slot in a cluster, or the primary a sentinel names.
///
/// The seam between ``RedisCacheBackend``'s commands and how the servers are
/// arranged: the backend builds commands; the target finds the node, follows
/// redirections and failovers, and throws ``RedisError`` for transport problems.
package protocol RedisCommandTarget: Sendable {
    /// Sends one command and returns its reply (error replies as values).
    func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue
    /// Sends `commands` in one write and returns their replies, in order.
    func pipeline(_ commands: [RESPCommand]) async throws(RedisError) -> [RESPValue]
    /// The breaker of the server the call goes to now, where the failure mode
    /// counts dropped writes.
    var breaker: CircuitBreaker { get }
}

extension RedisClient: RedisCommandTarget {}

/// How a Redis backend's servers are arranged: which target takes a key's
/// writes and reads, which keys may share a multi-key command, and the
/// primaries `clear` visits.
package protocol RedisServers: Sendable {
    /// The target of writes to `key` (the wire key, namespace included).
    func writer(forKey key: String) -> any RedisCommandTarget
    /// The target of reads of `key`.
    func reader(forKey key: String) -> any RedisCommandTarget
    /// The indexes of `keys`, grouped so that each group may go in one
    /// multi-key command (one group for one server; one per slot in a cluster).
    func batches(_ keys: [[UInt8]]) -> [[Int]]
    /// Every primary, each as a target of its own (for `clear`).
    func primaries() async throws(RedisError) -> [any RedisCommandTarget]
    /// The servers' circuit breakers (those known so far, for a cluster).
    var breakers: [CircuitBreaker] { get }
    /// Connections opened or tried so far, over all servers.
    var connectAttempts: Int { get }
    /// Closes every connection for good.
    func close()
}

/// One primary and optional read replicas: Django's `RedisCache` arrangement.
/// Writes go to the first server; reads to a random replica when there are
/// replicas (they lag, so a read right after a write may miss), else the primary.
struct RedisReplicaSet: RedisServers {
    let clients: [RedisClient]

    func writer(forKey key: String) -> any RedisCommandTarget { clients[0] }

    func reader(forKey key: String) -> any RedisCommandTarget {
        clients.count > 1 ? clients[Int.random(in: 1..<clients.count)] : clients[0]
    }

    func batches(_ keys: [[UInt8]]) -> [[Int]] { keys.isEmpty ? [] : [Array(keys.indices)] }

    func primaries() async throws(RedisError) -> [any RedisCommandTarget] { [clients[0]] }

    var breakers: [CircuitBreaker] { clients.map(\.breaker) }

    var connectAttempts: Int { clients.reduce(0) { $0 + $1.connectAttempts } }

    func close() {
        for client in clients { client.close() }
    }
}
