import Caching
import HTTPCaching
import Hummingbird

/// Django's `FetchFromCacheMiddleware` for Hummingbird: answers GET and HEAD
/// requests from the page cache and tells the enclosing
/// ``UpdateCacheMiddleware`` to store what it missed
/// (`PageCache.fetch(_:adapter:next:)`). Add it last; see
/// ``UpdateCacheMiddleware`` for the placement.
public struct FetchFromCacheMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The framework-free page cache that holds every rule.
    public let pageCache: PageCache

    /// The fetch step of `pageCache`.
    public init(_ pageCache: PageCache) {
        self.pageCache = pageCache
    }

    /// Serves a hit, or runs the rest of the chain.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await pageCache.fetch(request.cacheHead, adapter: HummingbirdPageAdapter()) {
            try await next(request, context)
        }
    }
}
