#if Vapor
import Caching
import HTTPCaching
import Vapor

/// Django's `UpdateCacheMiddleware` for Vapor: stores the responses that a
/// ``FetchFromCacheMiddleware`` placed after it missed
/// (`PageCache.update(_:adapter:next:)`).
///
/// Vapor's global middleware run in the order they are added, so they map
/// Django's `MIDDLEWARE` list directly — update first, fetch last, with the
/// middleware that should also run on cache hits in between:
///
/// ```swift
/// let pageCache = PageCache(cache: app.caches.swiftCaching.default)
/// app.middleware.use(UpdateCacheMiddleware(pageCache))
/// app.middleware.use(ConditionalGetMiddleware())   // hits answered 304/412
/// app.middleware.use(FetchFromCacheMiddleware(pageCache))
/// ```
///
/// ``CachingMiddleware`` is this arrangement in one line. Vapor answers a HEAD
/// through the GET route itself, so no HEAD wrapper is needed.
public struct UpdateCacheMiddleware: AsyncMiddleware {
    /// The framework-free page cache that holds every rule.
    public let pageCache: PageCache
    /// Larger bodies are passed through, not stored.
    public let maxBodyBytes: Int

    /// The update step of `pageCache`.
    public init(_ pageCache: PageCache, maxBodyBytes: Int = 1 << 20) {
        self.pageCache = pageCache
        self.maxBodyBytes = maxBodyBytes
    }

    /// Runs the rest of the chain and stores its response when the fetch step missed.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        try await pageCache.update(request.cacheHead, adapter: VaporPageAdapter(maxBodyBytes: maxBodyBytes)) {
            try await next.respond(to: request)
        }
    }
}
#endif
