/// Settings of the shared-cache mode (RFC 9111 for a shared cache).
public struct SharedCacheConfiguration: Sendable {
    /// The share of the time since `Last-Modified` given as a heuristic
    /// freshness lifetime when a response has no explicit one (RFC 9111 §4.2.2).
    public var heuristicFraction: Double
    /// The longest heuristic lifetime, in seconds.
    public var heuristicLimit: Double
    /// How long a response is kept after it goes stale, so that it can be
    /// revalidated (a 304 is cheaper than a full response) or served on error.
    public var staleRetention: Double
    /// Responses with larger bodies are passed through, not stored.
    public var maxBodyBytes: Int
    /// How many variants (by `Vary`) are kept per URL.
    public var maxVariants: Int
    /// Whether responses carry a `Cache-Status` header (RFC 9211).
    public var cacheStatus: Bool
    /// The cache's name in `Cache-Status`.
    public var cacheName: String
    /// The prefix of this mode's keys in the backing ``Caching/Cache``.
    public var keyPrefix: String

    /// Creates a configuration; the defaults suit a reverse proxy.
    public init(
        heuristicFraction: Double = 0.1, heuristicLimit: Double = 86_400, staleRetention: Double = 86_400,
        maxBodyBytes: Int = 8 << 20, maxVariants: Int = 16, cacheStatus: Bool = false,
        cacheName: String = "swift-caching", keyPrefix: String = "shared-http"
    ) {
        self.heuristicFraction = heuristicFraction
        self.heuristicLimit = heuristicLimit
        self.staleRetention = staleRetention
        self.maxBodyBytes = maxBodyBytes
        self.maxVariants = maxVariants
        self.cacheStatus = cacheStatus
        self.cacheName = cacheName
        self.keyPrefix = keyPrefix
    }
}
