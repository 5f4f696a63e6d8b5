/// Why a backend's server could not be used, in
/// ``CacheError/unavailable(backend:reason:message:)``: what happened, so the
/// fix is clear without reading the message.
public enum CacheUnavailableReason: String, Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens at the address (the server is down, or the port is wrong).
    case connectionRefused = "connection refused"
    /// The connection could not be made for another reason (unknown host,
    /// network unreachable, connect timeout).
    case connectFailed = "cannot connect"
    /// The server refused the user name or password.
    case authenticationFailed = "authentication failed"
    /// The database named in the URL does not exist, or (PostgreSQL) the role does not.
    case databaseMissing = "database missing"
    /// The connection closed or broke while a request was outstanding.
    case connectionLost = "connection lost"
    /// A local database file cannot be opened or written (SQLite).
    case storageUnavailable = "storage unavailable"
    /// Recent calls failed, so the circuit breaker fails calls at once for a
    /// cool-down instead of waiting for a server that is known to be down.
    case circuitOpen = "circuit open"
    /// The cache was shut down for good (``CacheBackend/closePermanently()``, at
    /// application shutdown): the server is fine, but this process no longer
    /// talks to it. Not a server outage, so the `miss` failure mode does not
    /// hide it and circuit breakers do not count it.
    case shutDown = "shut down"

    /// The reason in words, as it appears in messages.
    public var description: String { rawValue }
}
