/// How the memory backend chooses what to drop when it is full.
public enum MemoryCachePolicy: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Least recently used, with Django's culling arithmetic (`maxEntries`,
    /// `cullFrequency`): the default, Django's `LocMemCache` behaviour.
    case lru
    /// W-TinyLFU, as Caffeine: a small LRU window admits new entries, and an
    /// entry leaving it replaces the main area's eviction victim only if a
    /// frequency sketch says it was used more often. One-hit keys (a scan, a
    /// crawler) then cannot push out the keys that are used all the time.
    /// The store holds at most `maxEntries` entries (and `maxBytes` bytes),
    /// evicting one at a time; `cullFrequency` does not apply.
    case tinylfu

    /// Parses a policy name, as settings give it (`"lru"`, `"tinylfu"`, in any case).
    public init(name: String) throws(CacheConfigurationError) {
        guard let policy = MemoryCachePolicy(rawValue: name.lowercased()) else {
            throw CacheConfigurationError("Unknown memory cache policy '\(name)'; the valid policies are \(MemoryCachePolicy.validNames)")
        }
        self = policy
    }

    /// The name as settings spell it.
    public var description: String { rawValue }

    /// The valid names, for error messages: `'lru' and 'tinylfu'`.
    public static var validNames: String {
        allCases.map { "'\($0.rawValue)'" }.joined(separator: " and ")
    }
}
