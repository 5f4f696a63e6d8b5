import Caching

/// Why a request to one memcached server failed at the connection level.
///
/// The backend turns it into a `CacheError` that names the backend: a
/// timeout into `CacheError.timeout(backend:message:)`, a server that cannot
/// be used into `CacheError.unavailable(backend:reason:message:)`, a
/// protocol error into `CacheError.backendFailure(backend:message:)`. In the
/// `miss` failure mode the first two make a server's keys misses.
struct MemcachedClientError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// No connection within the connect timeout.
        case connectTimeout
        /// Nothing listens at the address.
        case connectionRefused
        /// The connection could not be made (unreachable, no such host).
        case connectFailed
        /// The server failed repeatedly; its circuit breaker fails calls at once.
        case circuitOpen
        /// No reply within the command timeout; the connection was closed.
        case commandTimeout
        /// The connection closed or broke while the request was outstanding.
        case connectionClosed
        /// The server's reply made no sense; the connection was closed.
        case protocolError
    }

    var kind: Kind
    var server: MemcachedServer
    var message: String
    /// Whether the request may have reached the server. A request that surely
    /// did not is retried once on a new connection.
    var mayHaveBeenSent = true

    var isTimeout: Bool { kind == .connectTimeout || kind == .commandTimeout }

    /// Whether the server could not be reached or did not answer, as opposed
    /// to answering nonsense: only these make its keys misses in the `miss`
    /// failure mode; a protocol error is always an error, so it is not hidden.
    var meansServerUnavailable: Bool { kind != .protocolError }

    var description: String { "memcached at \(server): \(message)" }

    /// The same failure, for a request that never left the client.
    func notSent() -> MemcachedClientError {
        var copy = self
        copy.mayHaveBeenSent = false
        return copy
    }

    /// The error a cache caller sees, typed by what happened.
    func cacheError(backend: String) -> CacheError {
        switch kind {
        case .connectTimeout, .commandTimeout: return .timeout(backend: backend, message: description)
        case .connectionRefused: return .unavailable(backend: backend, reason: .connectionRefused, message: description)
        case .connectFailed: return .unavailable(backend: backend, reason: .connectFailed, message: description)
        case .connectionClosed: return .unavailable(backend: backend, reason: .connectionLost, message: description)
        case .circuitOpen: return .unavailable(backend: backend, reason: .circuitOpen, message: description)
        case .protocolError: return .backendFailure(backend: backend, message: description)
        }
    }
}
