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
    /// Whether sending the command a second time leaves the server as one
    /// send would and gets the same reply: reads (`GET`, `MGET`, `EXISTS`,
    /// `PTTL`, …) and unconditional writes (`SET` without `NX`, `XX` or
    /// `GET`, `MSET`, `PSETEX`, `SETEX`). A client resends such a command once
    /// on a new connection when its connection closed before the reply came
    /// (the server restarted, or closed an idle connection while the command
    /// was on its way); any other command fails with
    /// ``RedisError/connectionClosed(_:)`` instead, since it may have run.
    public let isIdempotent: Bool

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
        isIdempotent = Self.isIdempotent(name, arguments)
    }

    /// Commands whose replay is harmless. `DEL`, `SET … NX` and `INCRBY`
    /// are not among them: replayed, they would report the first send's work
    /// as not done, or do it twice.
    private static let idempotentNames: Set<String> = [
        "GET", "MGET", "EXISTS", "PTTL", "TTL", "TYPE", "STRLEN", "PING", "ECHO", "DBSIZE", "INFO",
        "SET", "MSET", "SETEX", "PSETEX",
    ]

    private static func isIdempotent(_ name: String, _ arguments: [RESPArgument]) -> Bool {
        let name = name.uppercased()
        guard idempotentNames.contains(name) else { return false }
        guard name == "SET" else { return true }
        // SET's options from the third argument on; NX, XX and GET make the reply depend on what was there.
        for case .string(let option) in arguments.dropFirst(2) {
            switch option.uppercased() {
            case "NX", "XX", "GET": return false
            default: continue
            }
        }
        return true
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
