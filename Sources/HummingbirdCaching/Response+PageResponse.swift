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
            if !bytes.isEmpty { headers[.contentLength] = String(bytes.count) }
            self.init(status: page.head.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .streamed(let body):
            self.init(status: page.head.status, headers: page.head.headerFields, body: body)
        }
    }
}

extension Request {
    /// The request head with a scheme, as cache keys need an absolute URL.
    var cacheHead: HTTPRequest {
        var head = self.head
        if head.scheme == nil { head.scheme = "http" }
        return head
    }
}
