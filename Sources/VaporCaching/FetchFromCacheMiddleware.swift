#if Vapor
import Caching
import HTTPCaching
import Vapor

/// Django's `FetchFromCacheMiddleware` for Vapor: answers GET and HEAD
/// requests from the page cache and tells the enclosing
/// ``UpdateCacheMiddleware`` to store what it missed
/// (`PageCache.fetch(_:adapter:next:)`). Add it last; see
/// ``UpdateCacheMiddleware`` for the placement.
public struct FetchFromCacheMiddleware: AsyncMiddleware {
    /// The framework-free page cache that holds every rule.
    public let pageCache: PageCache

    /// The fetch step of `pageCache`.
    public init(_ pageCache: PageCache) {
        self.pageCache = pageCache
    }

    /// Serves a hit, or runs the rest of the chain.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        try await pageCache.fetch(request.cacheHead, adapter: VaporPageAdapter()) {
            try await next.respond(to: request)
        }
    }
}
#endif
