import HTTPCaching
import Hummingbird
import NIOCore

/// The shared-cache mode (RFC 9111) inside a Hummingbird app: wraps the app's
/// responder, whose route handlers become the origin.
///
/// Revalidation calls the handlers with `If-None-Match` / `If-Modified-Since`;
/// with ``ConditionalGetMiddleware`` (or a ``ConditionMiddleware``) in the
/// router they answer 304, and the stored response is freshened. It wraps the
/// whole responder rather than sitting in the middleware chain because
/// `stale-while-revalidate` calls the origin after the request has been
/// answered, which a middleware's `next` may not outlive.
///
/// ```swift
/// let router = Router()
/// router.add(middleware: ConditionalGetMiddleware())
/// router.get("/news") { ... }
/// let shared = SharedHTTPCache(cache: caches.default)
/// let app = Application(responder: SharedCacheResponder(router.buildResponder(), cache: shared), ...)
/// ```
public struct SharedCacheResponder<Responder: HTTPResponder>: HTTPResponder where Responder.Context: RequestContext {
    /// The app's own request context.
    public typealias Context = Responder.Context

    /// The app's responder, the cache's origin.
    public let responder: Responder
    /// The cache and its rules.
    public let shared: SharedHTTPCache
    /// Larger responses are streamed through, not stored.
    public let maxBodyBytes: Int

    /// Puts `cache` in front of `responder`.
    public init(_ responder: Responder, cache: SharedHTTPCache, maxBodyBytes: Int = 8 << 20) {
        self.responder = responder
        self.shared = cache
        self.maxBodyBytes = maxBodyBytes
    }

    /// Answers from the cache, or from the app when RFC 9111 says so.
    public func respond(to request: Request, context: Context) async throws -> Response {
        let body: HTTPCacheBody =
            request.method == .get || request.method == .head ? .empty : .stream(AsyncThrowingStream(byteBuffers: request.body))
        let responder = self.responder
        let limit = maxBodyBytes
        let answer = await shared.respond(to: request.cacheHead, body: body) { head, body in
            let requestBody: RequestBody
            switch body {
            case .buffered(let bytes): requestBody = RequestBody(buffer: ByteBuffer(bytes: bytes))
            case .stream(let stream): requestBody = RequestBody(asyncSequence: stream.map { ByteBuffer(bytes: $0) })
            }
            let response = try await responder.respond(to: Request(head: head, body: requestBody), context: context)
            return try await response.cacheResponse(bodyLimit: limit)
        }
        return Response(answer)
    }
}
