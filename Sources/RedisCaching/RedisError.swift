/// What went wrong talking to Redis.
///
/// The cache backend turns these into ``Caching/CacheError`` values; code that
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
    /// No connection could be made within the connect timeout, or the host refused it.
    case connectFailed(host: String, port: Int, reason: String)
    /// A reply did not arrive within the command timeout; the connection is
    /// closed and replaced.
    case timeout(String)
    /// The server refused the credentials in the URL.
    case authenticationFailed(String)
    /// A `redis://` URL that cannot be used; the text says what to change.
    case invalidURL(String)
    /// The client was closed with ``RedisClient/close()``.
    case clientClosed

    /// A sentence for logs and error pages.
    public var description: String {
        switch self {
        case .server(let message): return "Redis replied with an error: \(message)"
        case .protocolError(let message): return "Redis protocol error: \(message); the connection was replaced"
        case .connectionClosed(let message): return "the Redis connection was closed: \(message)"
        case .connectFailed(let host, let port, let reason):
            return "could not connect to Redis at \(host):\(port): \(reason); check that the server runs and the URL is right"
        case .timeout(let message): return "Redis did not answer in time: \(message)"
        case .authenticationFailed(let message):
            return "Redis refused the credentials in the URL (\(message)); check the user name and password"
        case .invalidURL(let message): return "invalid Redis URL: \(message)"
        case .clientClosed: return "the Redis client was closed"
        }
    }
}
