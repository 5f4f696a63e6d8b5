import NIOCore

extension AsyncThrowingStream where Element == [UInt8], Failure == any Error {
    /// The byte buffers of `buffers` (a request or response body) as byte
    /// arrays, the shared cache's body chunks. Cancelling the consumer cancels
    /// the read.
    public init<Buffers: AsyncSequence & Sendable>(byteBuffers buffers: Buffers) where Buffers.Element == ByteBuffer {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let task = Task {
            do {
                for try await buffer in buffers { continuation.yield(Array(buffer.readableBytesView)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { reason in
            if case .cancelled = reason { task.cancel() }
        }
        self = stream
    }
}
