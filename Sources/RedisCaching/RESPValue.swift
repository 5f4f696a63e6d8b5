import NIOCore

/// One RESP2 reply from a Redis server.
///
/// Bulk strings are `ByteBuffer` slices of the bytes read from the socket, so a
/// large value is not copied until the caller asks for it.
public enum RESPValue: Sendable, Equatable {
    /// A status reply such as `+OK`.
    case simpleString(String)
    /// An error reply such as `-ERR wrong number of arguments`. Replies are
    /// values, not thrown errors, so that a pipeline keeps the order of its
    /// replies; ``RESPValue/throwingServerError()`` converts.
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string.
    case bulkString(ByteBuffer)
    /// An array reply.
    case array([RESPValue])
    /// The null bulk string or null array: "no such key".
    case null

    /// The value, or ``RedisError/server(_:)`` when it is an error reply.
    @inlinable
    public func throwingServerError() throws(RedisError) -> RESPValue {
        if case .error(let message) = self { throw RedisError.server(message) }
        return self
    }

    /// The bytes of a bulk or simple string; `nil` for other replies.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let buffer): return Array(buffer.readableBytesView)
        case .simpleString(let string): return Array(string.utf8)
        default: return nil
        }
    }

    /// The number of an integer reply, or of a bulk string holding a decimal integer.
    public var integer: Int? {
        switch self {
        case .integer(let value): return value
        case .bulkString(let buffer): return Int(String(decoding: buffer.readableBytesView, as: UTF8.self))
        default: return nil
        }
    }
}
