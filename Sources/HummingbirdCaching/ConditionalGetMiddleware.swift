import HTTPCaching
import Hummingbird
import NIOCore

/// Django's `ConditionalGetMiddleware`: for GET requests, gives responses an
/// ETag (md5 of the body, unless one is set, the body streams, or
/// `Cache-Control` has `no-store`) and answers `If-None-Match`,
/// `If-Modified-Since`, `If-Match` and `If-Unmodified-Since` with 304 or 412
/// by ``HTTPCaching/ConditionalRequest``. HEAD and unsafe methods pass
/// untouched.
///
/// Put it inside (after) ``ResponseCacheMiddleware`` so cached pages are
/// answered with 304 too.
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
        var response = try await next(request, context)
        guard request.method == .get else { return response }
        let noStore = CacheControlHeader(parsing: response.headers[.cacheControl]).contains("no-store")
        if response.headers[.eTag] == nil, !noStore, let body = try await response.body.collected(upTo: maxBodyBytes) {
            HTTPCacheHeaders.setETag(&response.headers, body: body.readableBytesView)
            response.body = ResponseBody(byteBuffer: body)
        }
        if let answer = ConditionalRequest.answer(request.head, to: response.head) {
            return Response(status: answer.status, headers: answer.headerFields)
        }
        return response
    }
}
