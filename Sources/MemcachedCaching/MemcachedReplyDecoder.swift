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
        let space = UInt8(ascii: " ")
        let codeEnd = line.firstIndex(of: space) ?? line.endIndex
        guard codeEnd > line.startIndex else {
            throw MemcachedProtocolError(message: "the server sent an empty line or a line starting with a space: \(Self.printable(line.prefix(60)))")
        }
        let code = line[line.startIndex..<codeEnd]
        let consumed = lineLength + 1
        // The words after the code, split only for the replies that carry any.
        let words = { line[codeEnd...].split(separator: space, omittingEmptySubsequences: true).map { ArraySlice($0) } }

        // The meta protocol's two-letter codes, the hot path, without strings.
        if code.count == 2 {
            let first = code[code.startIndex], second = code[code.index(after: code.startIndex)]
            var short: MemcachedReply?
            switch (first, second) {
            case (UInt8(ascii: "V"), UInt8(ascii: "A")):
                let rest = words()
                guard let sizeWord = rest.first, let size = Self.decimal(sizeWord), size <= Self.maximumValueLength else {
                    throw MemcachedProtocolError(message: "the server sent a value header with no valid size: \(Self.printable(line))")
                }
                guard buffer.readableBytes >= consumed + size + 2 else { return nil }
                let end = buffer.readerIndex + consumed + size
                guard buffer.getInteger(at: end, as: UInt8.self) == UInt8(ascii: "\r"),
                      buffer.getInteger(at: end + 1, as: UInt8.self) == UInt8(ascii: "\n") else {
                    throw MemcachedProtocolError(message: "a \(size)-byte value from the server is not followed by \\r\\n")
                }
                let flags = rest.count > 1 ? MemcachedReplyFlags(words: rest.dropFirst()) : MemcachedReplyFlags()
                buffer.moveReaderIndex(forwardBy: consumed)
                guard let data = buffer.readSlice(length: size) else { return nil }
                buffer.moveReaderIndex(forwardBy: 2)
                return .value(flags, data)
            case (UInt8(ascii: "H"), UInt8(ascii: "D")):
                short = .header(codeEnd == line.endIndex ? MemcachedReplyFlags() : MemcachedReplyFlags(words: words()))
            case (UInt8(ascii: "E"), UInt8(ascii: "N")): short = .miss
            case (UInt8(ascii: "N"), UInt8(ascii: "F")): short = .notFound
            case (UInt8(ascii: "N"), UInt8(ascii: "S")): short = .notStored
            case (UInt8(ascii: "E"), UInt8(ascii: "X")): short = .exists
            case (UInt8(ascii: "M"), UInt8(ascii: "N")): short = .noop
            case (UInt8(ascii: "O"), UInt8(ascii: "K")): short = .ok
            default: short = nil
            }
            if let short {
                buffer.moveReaderIndex(forwardBy: consumed)
                return short
            }
        }

        let reply: MemcachedReply
        let rest = { String(decoding: line.dropFirst(code.count).drop(while: { $0 == UInt8(ascii: " ") }), as: UTF8.self) }
        switch String(decoding: code, as: UTF8.self) {
        case "END": reply = .end
        case "STAT":
            let rest = words()
            guard let nameWord = rest.first else { throw MemcachedProtocolError(message: "the server sent a STAT line with no name") }
            let name = String(decoding: nameWord, as: UTF8.self)
            reply = .stat(name: name, value: rest.dropFirst().map { String(decoding: $0, as: UTF8.self) }.joined(separator: " "))
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

    /// A non-negative decimal number of at most 18 digits, or `nil`.
    static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
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
