import HTTPCaching
import Hummingbird
import NIOCore

extension Response {
    /// The response as the page cache sees it: its body in bytes when its length
    /// is known and within `limit`, else passed through as Hummingbird's body.
    func pageResponse(bodyLimit limit: Int) async throws -> PageResponse<ResponseBody> {
        if let bytes = try await body.collected(upTo: limit) {
            return PageResponse(head: head, body: .bytes(Array(bytes.readableBytesView)))
        }
        return PageResponse(head: head, body: .streamed(body))
    }

    /// A Hummingbird response for a page-cache response. A `Content-Length` in
    /// the head is kept (Hummingbird computes one only when it is absent), so a
    /// HEAD answer keeps the GET body's length.
    init(_ page: PageResponse<ResponseBody>) {
        switch page.body {
        case .bytes(let bytes):
            var headers = page.head.headerFields
            Self.framePage(&headers, bodyCount: bytes.count)
            self.init(status: page.head.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .streamed(let body):
            self.init(status: page.head.status, headers: page.head.headerFields, body: body)
        }
    }
}

extension Response {
    /// Frames `fields` as a page with a body of `bodyCount` bytes is sent:
    /// `Content-Length` is a non-empty body's length, or one already in the
    /// head (a HEAD answer carries the GET body's), else 0 as Hummingbird
    /// frames an empty body. One home for the full path and hits at the
    /// connection; in place, so a hit answered at the connection copies no
    /// fields.
    static func framePage(_ fields: inout HTTPFields, bodyCount: Int) {
        if bodyCount > 0 || fields[.contentLength] == nil { fields[.contentLength] = String(bodyCount) }
    }
}

extension Request {
    /// The request head with a scheme, as cache keys need an absolute URL.
    var cacheHead: HTTPRequest { head.cacheHead }
}
