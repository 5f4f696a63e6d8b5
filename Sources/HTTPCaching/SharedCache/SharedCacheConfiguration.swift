import HTTPTypes

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
    /// The prefix of this mode's keys in the backing `Cache`.
    public var keyPrefix: String
    /// The targeted cache-control fields this cache obeys (RFC 9213), first
    /// listed first: a valid one replaces `Cache-Control` and `Expires` for
    /// this cache. `CDN-Cache-Control` by default (a reverse proxy is the kind
    /// of cache it targets); empty to follow `Cache-Control` only.
    public var targetedFields: [HTTPField.Name]
    /// Whether a stale response may be served when the origin cannot be reached
    /// or answers 500, 502, 503 or 504 — RFC 9111 §4.2.4's "disconnected" cache
    /// — unless the response forbids it (`must-revalidate`, `proxy-revalidate`,
    /// `s-maxage`, `no-cache`). Off: only `stale-if-error` (RFC 5861) allows it.
    public var staleOnError: Bool
    /// Where responses declare their tags, and whether that field leaves
    /// (``CacheTagHeader``): stored responses carry the tags, so
    /// `Cache.invalidate(tags:)` drops them.
    public var tagHeader: CacheTagHeader

    /// Creates a configuration; the defaults suit a reverse proxy.
    public init(
        heuristicFraction: Double = 0.1, heuristicLimit: Double = 86_400, staleRetention: Double = 86_400,
        maxBodyBytes: Int = 8 << 20, maxVariants: Int = 16, cacheStatus: Bool = false,
        cacheName: String = "swift-caching", keyPrefix: String = "shared-http",
        targetedFields: [HTTPField.Name] = [.cdnCacheControl], staleOnError: Bool = true,
        tagHeader: CacheTagHeader = CacheTagHeader()
    ) {
        self.heuristicFraction = heuristicFraction
        self.heuristicLimit = heuristicLimit
        self.staleRetention = staleRetention
        self.maxBodyBytes = maxBodyBytes
        self.maxVariants = maxVariants
        self.cacheStatus = cacheStatus
        self.cacheName = cacheName
        self.keyPrefix = keyPrefix
        self.targetedFields = targetedFields
        self.staleOnError = staleOnError
        self.tagHeader = tagHeader
    }
}

extension HTTPField.Name {
    /// `CDN-Cache-Control` (RFC 9213 §3), the targeted field of all CDNs.
    public static let cdnCacheControl = HTTPField.Name("CDN-Cache-Control") ?? .cacheControl
}
