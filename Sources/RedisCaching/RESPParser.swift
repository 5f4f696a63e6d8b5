import Caching
import NIOCore

/// Reads RESP2 replies from a byte stream.
///
/// A reply that has not fully arrived leaves the buffer untouched (`nil`), so
/// the caller can wait for more bytes; bytes that cannot be a reply throw
/// ``RedisError/protocolError(_:)``. Sizes and nesting are bounded so a broken
/// or hostile server cannot make the client allocate without limit.
enum RESPParser {
    /// The longest status or error line accepted.
    static let maxLineLength = 64 * 1024
    /// The largest bulk string accepted (Redis's own `proto-max-bulk-len` default).
    static let maxBulkLength = 512 * 1024 * 1024
    /// The largest array accepted.
    static let maxArrayCount = 16 * 1024 * 1024
    /// The deepest nesting of arrays accepted.
    static let maxDepth = 32

    /// The next whole reply in `buffer`, consuming it; `nil` when more bytes are needed.
    static func next(from buffer: inout ByteBuffer) throws(RedisError) -> RESPValue? {
        let start = buffer.readerIndex
        guard let value = try parse(&buffer, depth: 0) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        return value
    }

    private static func parse(_ buffer: inout ByteBuffer, depth: Int) throws(RedisError) -> RESPValue? {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            guard let line = try readLine(&buffer) else { return nil }
            return .simpleString(String(decoding: line.readableBytesView, as: UTF8.self))
        case UInt8(ascii: "-"):
            guard let line = try readLine(&buffer) else { return nil }
            return .error(String(decoding: line.readableBytesView, as: UTF8.self))
        case UInt8(ascii: ":"):
            guard let number = try readNumber(&buffer) else { return nil }
            return .integer(number)
        case UInt8(ascii: "$"):
            guard let length = try readNumber(&buffer) else { return nil }
            if length == -1 { return .null }
            guard length >= 0, length <= maxBulkLength else {
                throw .protocolError("a bulk string of \(length) bytes")
            }
            guard buffer.readableBytes >= length + 2, let slice = buffer.readSlice(length: length) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw .protocolError("a bulk string not followed by CRLF")
            }
            return .bulkString(slice)
        case UInt8(ascii: "*"):
            guard let count = try readNumber(&buffer) else { return nil }
            if count == -1 { return .null }
            guard count >= 0, count <= maxArrayCount else { throw .protocolError("an array of \(count) elements") }
            guard depth < maxDepth else { throw .protocolError("arrays nested more than \(maxDepth) deep") }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, 1024))
            for _ in 0..<count {
                guard let element = try parse(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw .protocolError("a reply starting with byte \(marker), which is not RESP2")
        }
    }

    /// The bytes before the next CRLF, consuming the CRLF.
    private static func readLine(_ buffer: inout ByteBuffer) throws(RedisError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 0x0D) else {
            if view.count > maxLineLength { throw .protocolError("a reply line longer than \(maxLineLength) bytes") }
            return nil
        }
        let length = cr - view.startIndex
        guard buffer.readableBytes >= length + 2 else { return nil }
        guard let line = buffer.readSlice(length: length) else { return nil }
        guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw .protocolError("a CR not followed by LF") }
        return line
    }

    /// A decimal integer line.
    private static func readNumber(_ buffer: inout ByteBuffer) throws(RedisError) -> Int? {
        guard let line = try readLine(&buffer) else { return nil }
        guard line.readableBytes <= 20, let number = DecimalInteger.parse(line.readableBytesView) else {
            throw .protocolError("a malformed number '\(String(decoding: line.readableBytesView.prefix(40), as: UTF8.self))'")
        }
        return number
    }
}
