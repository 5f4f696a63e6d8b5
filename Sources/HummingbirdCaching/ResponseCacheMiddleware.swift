import Caching
import HTTPCaching
import Hummingbird

/// Django's per-site cache (`UpdateCacheMiddleware` + `FetchFromCacheMiddleware`
/// in one) for Hummingbird: GET and HEAD responses are served from and stored
/// in a ``Caching/Cache`` by the rules of ``HTTPCaching/PageCache``.
///
/// Where it goes: add it to the router **before** (outside) middleware that
/// changes responses per user — sessions, authentication, CSRF, compression —
/// so that the headers they add (`Vary: Cookie`, `Set-Cookie`) are seen when the
/// response is stored, as Django asks for `UpdateCacheMiddleware` first and
/// `FetchFromCacheMiddleware` last. Middleware added before it still runs on
/// every request, hits included:
///
/// ```swift
/// let router = Router()
/// router.add(middleware: LogRequestsMiddleware(.info))
/// router.add(middleware: ResponseCacheMiddleware(cache: caches.default))
/// router.add(middleware: SessionMiddleware(...))
/// ```
///
/// Bodies of unknown length (streams) and bodies over ``maxBodyBytes`` pass
/// through without being buffered or stored. A failing cache backend never
/// fails a request. Concurrent misses for one URL run the handler once
/// (``HTTPCaching/PageCacheConfiguration/stampedeProtection``); the waiting
/// requests are answered from what it stored.
public struct ResponseCacheMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The framework-free page cache that holds every rule.
    public let pageCache: PageCache
    /// Larger bodies are passed through, not stored.
    public let maxBodyBytes: Int

    /// A site-wide cache on `cache`.
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
        let page = try await pageCache.respond(to: request.cacheHead) {
            try await next(request, context).pageResponse(bodyLimit: maxBodyBytes)
        }
        return Response(page)
    }
}
