import NIOCore

/// Checks the invariants every parser of a server's reply stream keeps, on one
/// fuzz input read as a stream of replies: a whole reply consumes bytes, an
/// incomplete one consumes none, and every strict prefix of a whole reply is
/// incomplete, never an error (the network may split a reply anywhere).
///
/// Why one function: the Redis and memcached targets check the same
/// invariants on their own parsers; only the parser and the checks on a whole
/// reply differ.
///
/// - Parameters:
///   - bytes: the fuzz input.
///   - next: reads the next reply from the stream (the parser keeps its own
///     state between calls, as on a connection): the reply, `nil` while it is
///     incomplete, or an error, which ends the stream as it ends a connection.
///   - first: reads one reply with a fresh parser (for the prefixes).
///   - whole: called on every whole reply, with the bytes it was read from.
public func checkReplyStream<Reply>(
    _ bytes: [UInt8],
    next: (inout ByteBuffer) throws -> Reply?,
    first: (inout ByteBuffer) throws -> Reply?,
    whole: (Reply, ArraySlice<UInt8>) -> Void
) {
    var buffer = ByteBuffer(bytes: bytes)
    while buffer.readableBytes > 0 {
        let start = buffer.readerIndex
        let reply: Reply?
        do {
            reply = try next(&buffer)
        } catch {
            return
        }
        guard let reply else {
            require(buffer.readerIndex == start, "an incomplete reply consumed bytes")
            return
        }
        let consumed = buffer.readerIndex - start
        require(consumed > 0, "a reply consumed no bytes")
        for cut in Set([consumed - 1, consumed / 2]) where cut > 0 {
            var prefix = ByteBuffer(bytes: bytes[start..<(start + cut)])
            let partial = Result { try first(&prefix) }
            guard case .success(nil) = partial else {
                require(false, "a \(cut)-byte prefix of a \(consumed)-byte reply was not incomplete: \(partial)")
                return
            }
        }
        whole(reply, bytes[start..<(start + consumed)])
    }
}
