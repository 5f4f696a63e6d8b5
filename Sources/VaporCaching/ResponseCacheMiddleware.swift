#if Vapor
import Caching
import HTTPCaching
import Vapor

/// Django's `CacheMiddleware` (what `cache_page` is built on) for Vapor: the
/// update and fetch steps in one middleware, with nothing between them — for
/// a route group (`RoutesBuilder.cachePage(_:cache:keyPrefix:language:timeZone:debugHeaders:)`).
/// For the site-wide cache in Django's recommended order use
/// ``CachingMiddleware``.
///
/// In-memory bodies up to ``maxBodyBytes`` are stored; streamed bodies pass
/// through. A failing cache backend never fails a request. Concurrent misses
/// for one URL run the handler once.
public struct ResponseCacheMiddleware: AsyncMiddleware {
    /// The framework-free page cache that holds every rule.
    public let pageCache: PageCache
    /// Larger bodies are passed through, not stored.
    public let maxBodyBytes: Int

    /// A page cache on `cache`.
    public init(cache: Caching.Cache, configuration: PageCacheConfiguration = PageCacheConfiguration(), maxBodyBytes: Int = 1 << 20) {
        self.init(pageCache: PageCache(cache: cache, configuration: configuration), maxBodyBytes: maxBodyBytes)
    }

    /// A middleware on an existing page cache.
    public init(pageCache: PageCache, maxBodyBytes: Int = 1 << 20) {
        self.pageCache = pageCache
        self.maxBodyBytes = maxBodyBytes
    }

    /// Serves from the cache or runs the rest of the chain and stores its response.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        let head = request.cacheHead
        let adapter = VaporPageAdapter(maxBodyBytes: maxBodyBytes)
        return try await pageCache.update(head, adapter: adapter) {
            try await pageCache.fetch(head, adapter: adapter) { try await next.respond(to: request) }
        }
    }
}
#endif
