/// What a ``MemcachedCacheBackend`` does when a server cannot be reached: it
/// refuses connections, does not answer within a timeout, or drops the
/// connection. (A reply that breaks the protocol is always an error.)
///
/// Either way only that server's keys are affected: keys on the other servers
/// work as before, and the client reconnects by itself when the server is back.
public struct MemcachedFailureMode: Sendable, Hashable, CustomStringConvertible {
    /// The name used in settings: `error` or `miss`.
    public let name: String

    private init(name: String) {
        self.name = name
    }

    /// Operations on the server's keys throw ``Caching/CacheError/timeout(backend:message:)``
    /// or ``Caching/CacheError/backendFailure(backend:message:)`` (the default).
    public static let error = MemcachedFailureMode(name: "error")

    /// The server's keys are misses: reads find nothing (`get` is `nil`, `add`,
    /// `touch` and `delete` are `false`, `increment` is
    /// ``Caching/CacheError/keyNotFound(key:)``), writes are dropped with a warning
    /// log, and `setMany` returns the server's keys as failed — as Django's
    /// memcached backends behave with the client's `ignore_exc` option.
    public static let miss = MemcachedFailureMode(name: "miss")

    /// The mode with a settings name, or `nil` for an unknown name.
    public init?(named name: String) {
        switch name {
        case "error": self = .error
        case "miss": self = .miss
        default: return nil
        }
    }

    public var description: String { name }
}
