import Caching
import Hummingbird
import NIOCore
import Synchronization

extension ResponseBody {
    /// The whole body, when its length is known and at most `limit` bytes;
    /// otherwise `nil` and the body is left to stream. A body of unknown length
    /// (a stream) is never read here, so nothing is buffered beyond the limit.
    func collected(upTo limit: Int) async throws -> ByteBuffer? {
        guard let length = contentLength, length <= limit else { return nil }
        let sink = CollectingSink()
        try await write(CollectingWriter(sink: sink))
        return sink.buffer.withLock { $0 }
    }
}

/// Where a ``CollectingWriter`` puts the bytes (the writer itself is consumed).
final class CollectingSink: Sendable {
    let buffer = CacheLock(ByteBuffer())
}

/// A body writer that keeps what is written.
struct CollectingWriter: ResponseBodyWriter {
    let sink: CollectingSink

    mutating func write(_ buffer: ByteBuffer) async throws {
        sink.buffer.withLock { _ = $0.writeImmutableBuffer(buffer) }
    }

    mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        sink.buffer.withLock { collected in
            for buffer in buffers { collected.writeImmutableBuffer(buffer) }
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
