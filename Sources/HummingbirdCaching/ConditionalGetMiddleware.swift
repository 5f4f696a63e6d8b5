import HTTPCaching
import Hummingbird

/// Django's `ConditionalGetMiddleware` for Hummingbird
/// (`ConditionalGet`): for GET requests, gives responses an ETag
/// (md5 of the body, unless one is set, the body streams, or `Cache-Control`
/// has `no-store`) and answers `If-None-Match`, `If-Modified-Since`, `If-Match`
/// and `If-Unmodified-Since` with 304 or 412. HEAD and unsafe methods pass
/// untouched.
///
/// For cached pages to be answered with 304 too, place it between
/// ``UpdateCacheMiddleware`` and ``FetchFromCacheMiddleware`` (or use
/// ``CachingResponder``, which does): cache hits leave the fetch step and pass
/// through it, and the update step sees its ETag before storing a page.
/// Inside a combined ``ResponseCacheMiddleware`` it never sees hits.
public struct ConditionalGetMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Bodies larger than this are not hashed for an ETag.
    public let maxBodyBytes: Int

    /// Conditional-GET middleware.
    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Runs the chain, then answers the request's conditions.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await ConditionalGet.respond(request.head, adapter: HummingbirdPageAdapter(maxBodyBytes: maxBodyBytes)) {
            try await next(request, context)
        }
    }
}
