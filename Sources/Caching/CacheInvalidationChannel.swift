/// A channel that tells every instance of an application which cache keys
/// changed, so that each can drop its in-process copies (``NearCacheBackend``).
///
/// Why a protocol: the near cache's memory tier lives in `Caching`, while the
/// channel needs a server every instance reaches (Redis pub/sub,
/// `RedisInvalidationChannel` in `RedisCaching`). Tests can give a channel of
/// their own.
///
/// A channel delivers, in order, ``CacheInvalidationEvent/connected`` once it
/// listens (only then may copies be kept), the keys changed by any instance
/// (this one included), and ``CacheInvalidationEvent/disconnected`` when it
/// stopped listening for any reason: from that moment until the next
/// `connected`, changes may be missed, so the listener drops every copy.
public protocol CacheInvalidationChannel: Sendable {
    /// Starts listening in the background (no waiting: a channel connects
    /// lazily); `listener` gets every event, on any thread, one at a time.
    func start(_ listener: @escaping @Sendable (CacheInvalidationEvent) -> Void)
    /// Tells every instance that `keys` changed; returns once the server took
    /// the message. Throws ``CacheError`` (``CacheError/isServerUnavailable``
    /// when the server cannot be used).
    func publish(_ keys: [String]) async throws
    /// Tells every instance that every key may have changed (`clear`).
    func publishAll() async throws
    /// Stops listening for good and releases the connections.
    func stop()
}
