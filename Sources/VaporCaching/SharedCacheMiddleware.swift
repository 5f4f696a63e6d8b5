#if Vapor
import HTTPCaching
import HTTPTypes
import NIOCore
import Vapor

/// The shared-cache mode (RFC 9111) inside a Vapor app: the routes after it
/// are the cache's origin (`SharedHTTPCache`).
///
/// Revalidation calls the routes with `If-None-Match` / `If-Modified-Since`;
/// with ``ConditionalGetMiddleware`` (or a ``ConditionMiddleware``) after this
/// one they answer 304, and the stored response is freshened.
///
/// ```swift
/// app.middleware.use(SharedCacheMiddleware(cache: SharedHTTPCache(cache: app.caches.swiftCaching.default)))
/// app.middleware.use(ConditionalGetMiddleware())
/// ```
public struct SharedCacheMiddleware: AsyncMiddleware {
    /// The cache and its rules.
    public let shared: SharedHTTPCache

    /// Puts `cache` in front of the routes.
    public init(cache: SharedHTTPCache) {
        self.shared = cache
    }

    /// Answers from the cache, or from the routes when RFC 9111 says so.
    public func respond(to request: Vapor.Request, chainingTo next: any AsyncResponder) async throws -> Vapor.Response {
        let safe = request.method == .GET || request.method == .HEAD
        let answer = await shared.respond(to: request.cacheHead, body: .empty) { head, _ in
            // GET and HEAD carry no body, so the cache may call the origin
            // with a request of its own (revalidation, stale-while-revalidate);
            // other methods are forwarded once, as the request they are, body
            // and all.
            let origin = safe ? Self.request(head, like: request) : request
            if !safe { origin.headers = HTTPHeaders(Self.fieldsWithHost(head)) }
            let response = try await next.respond(to: origin)
            return try await response.cacheResponse(on: request.eventLoop)
        }
        return Vapor.Response(answer)
    }

    /// `head`'s fields with its authority as `Host`.
    static func fieldsWithHost(_ head: HTTPRequest) -> HTTPFields {
        var fields = head.headerFields
        if let authority = head.authority, let host = HTTPField.Name.hostField { fields[host] = authority }
        return fields
    }

    /// A body-less Vapor request for `head`, on `original`'s application and connection.
    static func request(_ head: HTTPRequest, like original: Vapor.Request) -> Vapor.Request {
        Vapor.Request(
            application: original.application, method: HTTPMethod(rawValue: head.method.rawValue),
            url: URI(string: head.path ?? "/"), version: original.version,
            headersNoUpdate: HTTPHeaders(fieldsWithHost(head)), remoteAddress: original.remoteAddress,
            logger: original.logger, byteBufferAllocator: original.byteBufferAllocator, on: original.eventLoop)
    }
}
#endif
