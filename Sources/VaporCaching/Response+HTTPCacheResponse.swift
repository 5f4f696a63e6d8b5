#if Vapor
import HTTPCaching
import HTTPTypes
import NIOCore
import Vapor

extension Vapor.Response {
    /// A Vapor response for a shared-cache response; a streamed body stays streamed.
    convenience init(_ response: HTTPCacheResponse) {
        var fields = response.head.headerFields
        fields[.contentLength] = nil
        let body: Vapor.Response.Body
        switch response.body {
        case .buffered(let bytes):
            body = Vapor.Response.Body(buffer: ByteBuffer(bytes: bytes))
        case .stream(let stream):
            body = Vapor.Response.Body(asyncStream: { writer in
                for try await chunk in stream { try await writer.writeBuffer(ByteBuffer(bytes: chunk)) }
                try await writer.write(.end)
            })
        }
        self.init(status: HTTPResponseStatus(response.head.status), headers: HTTPHeaders(fields), body: body)
    }

    /// The response as the shared cache sees it. Vapor has no public reader
    /// for a streamed body but `collect(on:)`, so a stream is collected first;
    /// the shared cache then stores it only within its `maxBodyBytes`.
    func cacheResponse(on eventLoop: any EventLoop) async throws -> HTTPCacheResponse {
        let bytes: ByteBuffer?
        if let buffer = body.buffer {
            bytes = buffer
        } else {
            bytes = try await body.collect(on: eventLoop).get()
        }
        return HTTPCacheResponse(head: cacheHead, body: .buffered(bytes.map { Array($0.readableBytesView) } ?? []))
    }
}
#endif
