import Caching

/// What went wrong talking to Redis.
///
/// The cache backend turns these into `CacheError` values; code that
/// uses ``RedisClient`` directly can match on them.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error reply (`-ERR ...`); the text is the server's.
    case server(String)
    /// The server sent bytes that are not a reply to what was asked. The
    /// connection is closed and replaced, because every later reply on it
    /// would be matched to the wrong request.
    case protocolError(String)
    /// The connection was closed (by the server, the network or ``RedisClient/close()``)
    /// before the reply arrived.
    case connectionClosed(String)
    /// Nothing listens at the address: the server is down or the port is wrong.
    case connectionRefused(host: String, port: Int)
    /// No connection could be made for another reason (unknown host, network unreachable).
    case connectFailed(host: String, port: Int, reason: String)
    /// The call did not finish within the timeout (connect, wait and reply
    /// together); a connection that owed a reply is closed and replaced.
    case timeout(String)
    /// The server refused the credentials in the URL.
    case authenticationFailed(String)
    /// The database number in the URL does not exist on the server.
    case databaseMissing(String)
    /// The server failed repeatedly, so its circuit breaker fails calls at
    /// once for a cool-down; the text says for how long and why.
    case circuitOpen(String)
    /// A `redis://` URL that cannot be used; the text says what to change.
    case invalidURL(String)
    /// The client was closed with ``RedisClient/close()``.
    case clientClosed
    /// No node of a cluster's seed list (or no sentinel) could tell where the
    /// servers are; the text names each node tried and what it answered.
    case topologyUnavailable(String)
    /// No node of the cluster serves the key's hash slot (a shard is down and
    /// the cluster runs with `cluster-require-full-coverage no`), or the
    /// redirections for it did not settle; the text names the slot and node.
    case slotNotServed(slot: Int, message: String)

    /// A sentence for logs and error pages.
    public var description: String {
        switch self {
        case .server(let message): return "Redis replied with an error: \(message)"
        case .protocolError(let message): return "Redis protocol error: \(message); the connection was replaced"
        case .connectionClosed(let message): return "the Redis connection was closed: \(message)"
        case .connectionRefused(let host, let port):
            return "could not connect to Redis at \(host):\(port): connection refused; check that the server runs and the URL's port is right"
        case .connectFailed(let host, let port, let reason):
            return "could not connect to Redis at \(host):\(port): \(reason); check that the server runs and the URL is right"
        case .timeout(let message): return "Redis did not answer in time: \(message)"
        case .authenticationFailed(let message):
            return "Redis refused the credentials in the URL (\(message)); check the user name and password"
        case .databaseMissing(let message):
            return "Redis has no such database (\(message)); check the database number in the URL against the server's 'databases' setting"
        case .circuitOpen(let message): return "Redis is unavailable, failing at once: \(message)"
        case .invalidURL(let message): return "invalid Redis URL: \(message)"
        case .clientClosed: return "the Redis client was closed"
        case .topologyUnavailable(let message):
            return "could not find the Redis servers: \(message); check that the seed nodes (or sentinels) in the location run and are reachable"
        case .slotNotServed(let slot, let message):
            return "no Redis Cluster node serves hash slot \(slot): \(message); check `redis-cli --cluster check` for slots without a primary"
        }
    }

    /// Whether the error says the server could not be used (as opposed to an
    /// answer: an error reply, a protocol error); these count towards the
    /// circuit breaker and are misses in the `miss` failure mode.
    var meansUnavailable: Bool {
        switch self {
        case .connectionRefused, .connectFailed, .timeout, .authenticationFailed, .databaseMissing,
             .connectionClosed, .circuitOpen, .topologyUnavailable, .slotNotServed:
            return true
        case .server, .protocolError, .invalidURL, .clientClosed:
            return false
        }
    }

    /// The error a cache caller sees, typed by what happened.
    func cacheError(backend: String) -> CacheError {
        switch self {
        case .timeout: return .timeout(backend: backend, message: description)
        case .connectionRefused: return .unavailable(backend: backend, reason: .connectionRefused, message: description)
        case .connectFailed: return .unavailable(backend: backend, reason: .connectFailed, message: description)
        case .authenticationFailed: return .unavailable(backend: backend, reason: .authenticationFailed, message: description)
        case .databaseMissing: return .unavailable(backend: backend, reason: .databaseMissing, message: description)
        case .connectionClosed: return .unavailable(backend: backend, reason: .connectionLost, message: description)
        case .circuitOpen: return .unavailable(backend: backend, reason: .circuitOpen, message: description)
        case .topologyUnavailable: return .unavailable(backend: backend, reason: .connectFailed, message: description)
        case .slotNotServed: return .unavailable(backend: backend, reason: .storageUnavailable, message: description)
        case .clientClosed:
            return CacheShutdownLatch.error(backend: backend)
        case .server, .protocolError, .invalidURL: return .backendFailure(backend: backend, message: description)
        }
    }
}
