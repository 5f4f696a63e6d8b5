import Caching
import HTTPCaching
import Hummingbird

/// Django's `UpdateCacheMiddleware` for Hummingbird: stores the responses that
/// a ``FetchFromCacheMiddleware`` placed inside it missed
/// (`PageCache.update(_:adapter:next:)`).
///
/// Add it **first** and ``FetchFromCacheMiddleware`` **last**, with the
/// middleware that should also run on cache hits in between — as Django's
/// `MIDDLEWARE` list places them:
///
/// ```swift
/// let pageCache = PageCache(cache: caches.default)
/// let router = Router()
/// router.add(middleware: UpdateCacheMiddleware(pageCache))
/// router.add(middleware: ConditionalGetMiddleware())   // hits answered 304/412
/// router.add(middleware: FetchFromCacheMiddleware(pageCache))
/// router.get("/page") { _, _ in "hello" }   // routes after the middleware
/// let app = Application(responder: HEADThroughGETResponder(router.buildResponder()))
/// ```
///
/// Hummingbird applies middleware to the routes added after it, so add the
/// routes last. ``HEADThroughGETResponder`` answers HEAD through GET routes as
/// Django does; ``CachingResponder`` is this whole arrangement in one line.
public struct UpdateCacheMiddleware<Context: RequestContext>: RouterMiddleware {
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
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await pageCache.update(request.cacheHead, adapter: HummingbirdPageAdapter(maxBodyBytes: maxBodyBytes)) {
            try await next(request, context)
        }
    }
}
