#if Vapor
import HTTPCaching
import Vapor

/// Django's `ConditionalGetMiddleware` for Vapor (`ConditionalGet`):
/// for GET requests, gives responses an ETag (md5 of the body, unless one is
/// set, the body streams, or `Cache-Control` has `no-store`) and answers
/// `If-None-Match`, `If-Modified-Since`, `If-Match` and `If-Unmodified-Since`
/// with 304 or 412 — on dynamic routes, not only on files. HEAD and unsafe
/// methods pass untouched. Place it between ``UpdateCacheMiddleware`` and
/// ``FetchFromCacheMiddleware`` for cached pages to be answered 304 too.
public struct ConditionalGetMiddleware: AsyncMiddleware {
    /// Bodies larger than this are not hashed for an ETag.
    public let maxBodyBytes: Int

    /// Conditional-GET middleware.
    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Runs the chain, then answers the request's conditions.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        try await ConditionalGet.respond(request.cacheHead, adapter: VaporPageAdapter(maxBodyBytes: maxBodyBytes)) {
            try await next.respond(to: request)
        }
    }
}
#endif
