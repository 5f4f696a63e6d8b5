#if Vapor
import HTTPCaching
import HTTPTypes
import NIOCore
import Vapor

/// Vapor's `Response` as the page-cache steps see it
/// (`PageCacheAdapter`): conversion only, no rule.
///
/// A body Vapor holds in memory (a buffer, data or string) is handed over as
/// bytes when it is at most ``maxBodyBytes``; a streamed body is passed through
/// untouched and never stored, since reading it would buffer the stream.
public struct VaporPageAdapter: PageCacheAdapter {
    /// Larger bodies pass through untouched instead of being stored.
    public let maxBodyBytes: Int

    /// An adapter that hands over in-memory bodies of up to `maxBodyBytes`.
    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// The response's status and fields.
    public func head(of response: Vapor.Response) -> HTTPResponse { response.cacheHead }

    /// The body in bytes when Vapor holds it in memory and it is within the limit.
    public func page(from response: Vapor.Response) async throws -> PageResponse<Vapor.Response.Body> {
        let body = response.body
        if body.count >= 0, body.count <= maxBodyBytes, let buffer = body.buffer {
            return PageResponse(head: response.cacheHead, body: .bytes(Array(buffer.readableBytesView)))
        }
        return PageResponse(head: response.cacheHead, body: .streamed(body))
    }

    /// A Vapor response for a page. Its head's fields are kept as they are
    /// (a HEAD answer keeps the GET body's `Content-Length`); a body in bytes
    /// sets its own length.
    public func response(from page: PageResponse<Vapor.Response.Body>) -> Vapor.Response {
        var headers = HTTPHeaders(page.head.headerFields)
        let body: Vapor.Response.Body
        switch page.body {
        case .bytes(let bytes):
            if !bytes.isEmpty { headers.replaceOrAdd(name: .contentLength, value: String(bytes.count)) }
            body = Vapor.Response.Body(buffer: ByteBuffer(bytes: bytes))
        case .streamed(let streamed):
            body = streamed
        }
        return Vapor.Response(status: HTTPResponseStatus(page.head.status), version: .http1_1, headersNoUpdate: headers, body: body)
    }
}
#endif
