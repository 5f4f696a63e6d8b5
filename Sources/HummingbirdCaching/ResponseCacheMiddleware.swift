import Caching
import HTTPCaching
import Hummingbird

/// Django's `CacheMiddleware` (what `cache_page` is built on) for Hummingbird:
/// the update and fetch steps in one middleware, with nothing between them.
/// GET and HEAD responses are served from and stored in a
/// `Cache` by the rules of `PageCache`.
///
/// Because nothing sits between its two steps, a cached page leaves it without
/// passing any other middleware inside it: a ``ConditionalGetMiddleware``
/// inside never turns a hit into a 304, and one outside sees HEAD hits without
/// their ETag. For a site-wide cache in Django's recommended order use
/// ``CachingResponder`` (one line) or place ``UpdateCacheMiddleware``,
/// ``ConditionalGetMiddleware`` and ``FetchFromCacheMiddleware`` yourself.
///
/// Bodies of unknown length (streams) and bodies over ``maxBodyBytes`` pass
/// through without being buffered or stored. A failing cache backend never
/// fails a request. Concurrent misses for one URL run the handler once
/// (`PageCacheConfiguration.stampedeProtection`); the waiting
/// requests are answered from what it stored.
public struct ResponseCacheMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The framework-free page cache that holds every rule.
    public let pageCache: PageCache
    /// Larger bodies are passed through, not stored.
    public let maxBodyBytes: Int

    /// A page cache on `cache`.
    public init(cache: Cache, configuration: PageCacheConfiguration = PageCacheConfiguration(), maxBodyBytes: Int = 1 << 20) {
        self.pageCache = PageCache(cache: cache, configuration: configuration)
        self.maxBodyBytes = maxBodyBytes
    }

    /// A middleware on an existing page cache.
    public init(pageCache: PageCache, maxBodyBytes: Int = 1 << 20) {
        self.pageCache = pageCache
        self.maxBodyBytes = maxBodyBytes
    }

    /// Serves from the cache or runs the rest of the chain and stores its response.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let head = request.cacheHead
        let adapter = HummingbirdPageAdapter(maxBodyBytes: maxBodyBytes)
        return try await pageCache.update(head, adapter: adapter) {
            try await pageCache.fetch(head, adapter: adapter) { try await next(request, context) }
        }
    }
}
