import NIOCore

/// A reply the client cannot read: not memcached's protocol, or out of step.
struct MemcachedProtocolError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Splits the bytes a server sends into ``MemcachedReply`` values.
///
/// A line the protocol does not have, a line longer than
/// ``maximumLineLength`` without an end, or a value not followed by `\r\n` is a
/// ``MemcachedProtocolError``: the stream cannot be trusted after it, so the
/// connection is closed.
struct MemcachedReplyDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = MemcachedReply

    /// The longest reply line read (meta flags are short; a key is at most 250 bytes).
    static let maximumLineLength = 8192
    /// The largest value read (memcached's item size cannot exceed 1 GiB).
    static let maximumValueLength = 1 << 30

    mutating func decode(buffer: inout ByteBuffer) throws -> MemcachedReply? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maximumLineLength {
                throw MemcachedProtocolError(
                    message: "the server sent \(view.count) bytes without a line end: \(Self.printable(view.prefix(60)))")
            }
            return nil
        }
        let lineLength = view.distance(from: view.startIndex, to: newline)
        guard lineLength >= 1, view[view.index(before: newline)] == UInt8(ascii: "\r") else {
            throw MemcachedProtocolError(
                message: "the server sent a line not ended by \\r\\n: \(Self.printable(view[..<newline].prefix(60)))")
        }
        let line = view[view.startIndex..<view.index(before: newline)]
        let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true).map { ArraySlice($0) }
        guard let code = words.first else {
            throw MemcachedProtocolError(message: "the server sent an empty line")
        }
        let consumed = lineLength + 1

        switch code.count {
        case 2 where code.first == UInt8(ascii: "V") && code.last == UInt8(ascii: "A"):
            guard words.count >= 2, let size = Int(String(decoding: words[1], as: UTF8.self)),
                  size >= 0, size <= Self.maximumValueLength else {
                throw MemcachedProtocolError(message: "the server sent a value header with no valid size: \(Self.printable(line))")
            }
            guard buffer.readableBytes >= consumed + size + 2 else { return nil }
            let end = buffer.readerIndex + consumed + size
            guard buffer.getInteger(at: end, as: UInt8.self) == UInt8(ascii: "\r"),
                  buffer.getInteger(at: end + 1, as: UInt8.self) == UInt8(ascii: "\n") else {
                throw MemcachedProtocolError(message: "a \(size)-byte value from the server is not followed by \\r\\n")
            }
            let flags = MemcachedReplyFlags(words: words.dropFirst(2))
            buffer.moveReaderIndex(forwardBy: consumed)
            guard let data = buffer.readSlice(length: size) else { return nil }
            buffer.moveReaderIndex(forwardBy: 2)
            return .value(flags, data)
        default:
            break
        }

        let reply: MemcachedReply
        let rest = { String(decoding: line.dropFirst(code.count).drop(while: { $0 == UInt8(ascii: " ") }), as: UTF8.self) }
        switch String(decoding: code, as: UTF8.self) {
        case "HD": reply = .header(MemcachedReplyFlags(words: words.dropFirst()))
        case "EN": reply = .miss
        case "NF": reply = .notFound
        case "NS": reply = .notStored
        case "EX": reply = .exists
        case "MN": reply = .noop
        case "OK": reply = .ok
        case "END": reply = .end
        case "STAT":
            guard words.count >= 2 else { throw MemcachedProtocolError(message: "the server sent a STAT line with no name") }
            let name = String(decoding: words[1], as: UTF8.self)
            reply = .stat(name: name, value: words.dropFirst(2).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " "))
        case "ERROR": reply = .error
        case "CLIENT_ERROR": reply = .clientError(rest())
        case "SERVER_ERROR": reply = .serverError(rest())
        default:
            throw MemcachedProtocolError(message: "the server sent a reply that memcached never sends: \(Self.printable(line.prefix(60)))")
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        return reply
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MemcachedReply? {
        try decode(buffer: &buffer)
    }

    /// Bytes quoted for an error message, with anything unprintable escaped.
    static func printable(_ bytes: some Sequence<UInt8>) -> String {
        var text = "'"
        for byte in bytes {
            switch byte {
            case 0x20...0x7E where byte != UInt8(ascii: "'") && byte != UInt8(ascii: "\\"):
                text.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "\r"): text += "\\r"
            case UInt8(ascii: "\n"): text += "\\n"
            default:
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text + "'"
    }
}
