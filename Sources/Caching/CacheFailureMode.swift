/// What a network backend does when its server cannot be used: it refuses
/// connections, rejects the credentials, does not answer within the timeout,
/// drops the connection, or its circuit breaker is open. (A reply that breaks
/// the protocol, or an error the server answers with, is always an error.)
///
/// Set per cache with the `failureMode` option of the Redis, memcached,
/// PostgreSQL and SQLite backends. Either way only the unusable server's keys
/// are affected, and the client reconnects by itself when the server is back.
public struct CacheFailureMode: Sendable, Hashable, CustomStringConvertible {
    /// The name used in settings: `error` or `miss`.
    public let name: String

    private init(name: String) {
        self.name = name
    }

    /// Operations throw ``CacheError/timeout(backend:message:)`` or
    /// ``CacheError/unavailable(backend:reason:message:)`` (the default): the
    /// application decides what an outage means.
    public static let error = CacheFailureMode(name: "error")

    /// The cache fails open: reads find nothing (`get` is `nil`, `hasKey`,
    /// `add`, `touch` and `delete` are `false`, `increment` is
    /// ``CacheError/keyNotFound(key:)``), writes are dropped with one
    /// aggregated warning a second, `setMany` returns its keys as failed, and
    /// ``Cache/getOrSet(_:timeout:version:tags:compute:)`` computes and returns the
    /// value — as Django's memcached backends behave with the client's
    /// `ignore_exc` option. The site stays up, slower, while the cache is down.
    public static let miss = CacheFailureMode(name: "miss")

    /// The mode with a settings name, or `nil` for an unknown name.
    public init?(named name: String) {
        switch name {
        case "error": self = .error
        case "miss": self = .miss
        default: return nil
        }
    }

    /// The settings name.
    public var description: String { name }
}
