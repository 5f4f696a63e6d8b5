import CachingMetricsEndpoint
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import NIOCore

/// The Hummingbird responder of `caching-proxy`: every request goes through the
/// shared-cache mode, whose origin is the upstream server.
///
/// It holds no caching rule: `SharedHTTPCache` decides what is
/// stored, served, revalidated and invalidated; this type only translates
/// between Hummingbird's request and response and the cache's.
public struct CachingProxyResponder: HTTPResponder {
    /// Hummingbird's basic context: the proxy needs nothing more.
    public typealias Context = BasicRequestContext

    /// The cache.
    public let shared: SharedHTTPCache
    /// The upstream.
    public let upstream: UpstreamOrigin
    /// Answers its scrapes itself (before the cache); `nil`: none.
    public let metrics: PrometheusMetricsEndpoint?

    /// A responder that puts `shared` in front of `upstream`, answering
    /// `metrics` scrapes itself.
    public init(shared: SharedHTTPCache, upstream: UpstreamOrigin, metrics: PrometheusMetricsEndpoint? = nil) {
        self.shared = shared
        self.upstream = upstream
        self.metrics = metrics
    }

    /// Answers one request.
    public func respond(to request: Request, context: Context) async throws -> Response {
        if let metrics, metrics.matches(request) { return metrics.response() }
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
        let answer = await shared.respond(to: head, body: body) { request, body in
            try await upstream.respond(request, body)
        }
        var response = Response(answer)
        if request.method == .head {
            // A HEAD answer keeps the Content-Length of the GET it stands for
            // (RFC 9110 §8.6), not the length of its empty body.
            response.headers[.contentLength] = answer.head.headerFields[.contentLength]
        }
        return response
    }
}
