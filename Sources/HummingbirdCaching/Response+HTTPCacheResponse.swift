import HTTPCaching
import Hummingbird
import NIOCore

extension Response {
    /// A Hummingbird response for a shared-cache response; a streamed body
    /// stays streamed.
    public init(_ response: HTTPCacheResponse) {
        switch response.body {
        case .buffered(let bytes):
            var headers = response.head.headerFields
            Self.frameCacheResponse(&headers, bodyCount: bytes.count)
            self.init(status: response.head.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let stream):
            var headers = response.head.headerFields
            headers[.contentLength] = nil
            self.init(status: response.head.status, headers: headers, body: ResponseBody(asyncSequence: stream.map { ByteBuffer(bytes: $0) }))
        }
    }

    /// Frames `fields` as a shared-cache response with a body of `bodyCount`
    /// bytes is sent: its own `Content-Length` replaced by the body's length.
    /// One home for the full path and hits at the connection; in place, so a
    /// hit answered at the connection copies no fields.
    static func frameCacheResponse(_ fields: inout HTTPFields, bodyCount: Int) {
        fields[.contentLength] = nil
        fields[.contentLength] = String(bodyCount)
    }

    /// The response as the shared cache sees it: the body in memory when its
    /// length is known and within `limit`, else a stream of it.
    func cacheResponse(bodyLimit limit: Int) async throws -> HTTPCacheResponse {
        if let bytes = try await body.collected(upTo: limit) {
            return HTTPCacheResponse(head: head, body: .buffered(Array(bytes.readableBytesView)))
        }
        return HTTPCacheResponse(head: head, body: .stream(body.byteStream()))
    }
}

extension ResponseBody {
    /// The body as a stream of byte arrays, written by a task that stops when
    /// the consumer goes away.
    func byteStream() -> AsyncThrowingStream<[UInt8], any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let body = self
        let task = Task {
            do {
                try await body.write(StreamingWriter(continuation: continuation))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { reason in
            if case .cancelled = reason { task.cancel() }
        }
        return stream
    }
}

/// A body writer that forwards every buffer to a stream.
struct StreamingWriter: ResponseBodyWriter {
    let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation

    mutating func write(_ buffer: ByteBuffer) async throws {
        continuation.yield(Array(buffer.readableBytesView))
    }

    mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        for buffer in buffers { continuation.yield(Array(buffer.readableBytesView)) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
