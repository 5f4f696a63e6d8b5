import NIOCore

/// One argument of a Redis command.
public enum RESPArgument: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// Text, sent as its UTF-8 bytes.
    case string(String)
    /// Raw bytes.
    case bytes([UInt8])
    /// A number, sent in decimal.
    case integer(Int)

    /// A text argument from a literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A number argument from a literal.
    public init(integerLiteral value: Int) { self = .integer(value) }
}

/// A Redis command, already encoded as a RESP array of bulk strings.
///
/// Encoding happens once, on the caller's task, so the event loop only copies
/// finished bytes to the socket.
public struct RESPCommand: Sendable {
    /// The encoded command.
    public private(set) var buffer: ByteBuffer

    /// The command `name` with `arguments`, e.g. `RESPCommand("SET", ["k", .bytes(v)])`.
    public init(_ name: String, _ arguments: [RESPArgument] = []) {
        var size = 16 + name.utf8.count
        for argument in arguments {
            switch argument {
            case .string(let text): size += text.utf8.count + 16
            case .bytes(let bytes): size += bytes.count + 16
            case .integer: size += 36
            }
        }
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeStaticString("*")
        Self.writeDecimal(arguments.count + 1, to: &buffer)
        buffer.writeStaticString("\r\n")
        Self.writeBulk(name.utf8, to: &buffer)
        for argument in arguments {
            switch argument {
            case .string(let text): Self.writeBulk(text.utf8, to: &buffer)
            case .bytes(let bytes): Self.writeBulk(bytes, to: &buffer)
            case .integer(let number): Self.writeBulk(String(number).utf8, to: &buffer)
            }
        }
        self.buffer = buffer
    }

    private static func writeBulk(_ bytes: some Collection<UInt8>, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("$")
        writeDecimal(bytes.count, to: &buffer)
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
    }

    private static func writeDecimal(_ value: Int, to buffer: inout ByteBuffer) {
        buffer.writeString(String(value))
    }
}
