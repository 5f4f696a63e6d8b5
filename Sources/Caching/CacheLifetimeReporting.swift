/// A backend that can tell, with a value, how long the entry has left.
///
/// Why: a copy of the value kept elsewhere (the memory tier of a
/// ``NearCacheBackend``) must not outlive the entry itself. Over a backend
/// without this, the near cache bounds its copies by its `staleness` alone.
public protocol CacheLifetimeReporting: CacheBackend {
    /// The value of `key` and the rest of its lifetime (`.forever` for an
    /// entry without expiry), or `nil` on a miss.
    func getWithLifetime(_ key: String) async throws -> (value: CacheValue, lifetime: CacheLifetime)?
}
