import HTTPCaching
import HTTPTypes
import Hummingbird
import NIOCore

/// The Hummingbird responder of `caching-proxy`: every request goes through the
/// shared-cache mode, whose origin is the upstream server.
///
/// It holds no caching rule: ``HTTPCaching/SharedHTTPCache`` decides what is
/// stored, served, revalidated and invalidated; this type only translates
/// between Hummingbird's request and response and the cache's.
public struct CachingProxyResponder: HTTPResponder {
    /// Hummingbird's basic context: the proxy needs nothing more.
    public typealias Context = BasicRequestContext

    /// The cache.
    public let shared: SharedHTTPCache
    /// The upstream.
    public let upstream: UpstreamOrigin

    /// A responder that puts `shared` in front of `upstream`.
    public init(shared: SharedHTTPCache, upstream: UpstreamOrigin) {
        self.shared = shared
        self.upstream = upstream
    }

    /// Answers one request.
    public func respond(to request: Request, context: Context) async throws -> Response {
        var head = request.head
        if head.scheme == nil { head.scheme = "http" }
        if head.authority == nil { head.authority = "" }
        let body: HTTPCacheBody
        if request.method == .get || request.method == .head {
            body = .empty
        } else {
            body = .stream(AsyncThrowingStream(byteBuffers: request.body))
        }
        let upstream = self.upstream
        let response = await shared.respond(to: head, body: body) { request, body in
            try await upstream.respond(request, body)
        }
        return Self.response(response)
    }

    /// A Hummingbird response for a cache response; streamed bodies stay streamed.
    static func response(_ response: HTTPCacheResponse) -> Response {
        var headers = response.head.headerFields
        headers[.contentLength] = nil
        let body: ResponseBody
        switch response.body {
        case .buffered(let bytes):
            body = ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        case .stream(let stream):
            body = ResponseBody(asyncSequence: stream.map { ByteBuffer(bytes: $0) })
        }
        return Response(status: response.head.status, headers: headers, body: body)
    }
}
