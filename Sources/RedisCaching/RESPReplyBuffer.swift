import NIOCore

/// The bytes read from one Redis connection, parsed into whole replies: a
/// reply split across reads waits here for its rest.
///
/// One type for both channel handlers that read RESP — the client's
/// (`RedisChannelHandler`) and the pub/sub subscriber's (`RedisSubscriber`) —
/// which each kept the same accumulate-and-parse loop.
struct RESPReplyBuffer {
    /// Bytes of a reply not yet complete.
    private var cumulation: ByteBuffer?

    /// Appends `bytes` and hands each whole reply to `body`, in order.
    /// A parse error or an error from `body` stops at once; the connection is
    /// then unusable, so the bytes after it are not kept.
    mutating func read(_ bytes: ByteBuffer, each body: (RESPValue) throws(RedisError) -> Void) throws(RedisError) {
        var incoming = bytes
        if var buffer = cumulation {
            cumulation = nil
            buffer.writeBuffer(&incoming)
            incoming = buffer
        }
        while let value = try RESPParser.next(from: &incoming) {
            try body(value)
        }
        if incoming.readableBytes > 0 {
            incoming.discardReadBytes()
            cumulation = incoming
        }
    }
}
