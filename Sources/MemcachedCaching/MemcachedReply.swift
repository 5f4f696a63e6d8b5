import NIOCore

/// One reply from a memcached server.
enum MemcachedReply: Sendable, Equatable {
    /// `VA <size> <flags>*` and the value.
    case value(MemcachedReplyFlags, ByteBuffer)
    /// `HD <flags>*`: success with no value.
    case header(MemcachedReplyFlags)
    /// `EN`: a miss.
    case miss
    /// `NF`: not found.
    case notFound
    /// `NS`: not stored.
    case notStored
    /// `EX`: the CAS token did not match.
    case exists
    /// `MN`: the end of a pipeline.
    case noop
    /// `OK`.
    case ok
    /// `END`.
    case end
    /// `STAT <name> <value>`.
    case stat(name: String, value: String)
    /// `ERROR`: the server does not know the command.
    case error
    /// `CLIENT_ERROR <message>`.
    case clientError(String)
    /// `SERVER_ERROR <message>`.
    case serverError(String)

    /// The reply as the server wrote it, without a value, for errors.
    var summary: String {
        switch self {
        case .value(let flags, let data): return "VA \(data.readableBytes)\(flags.summary)"
        case .header(let flags): return "HD\(flags.summary)"
        case .miss: return "EN"
        case .notFound: return "NF"
        case .notStored: return "NS"
        case .exists: return "EX"
        case .noop: return "MN"
        case .ok: return "OK"
        case .end: return "END"
        case .stat(let name, let value): return "STAT \(name) \(value)"
        case .error: return "ERROR"
        case .clientError(let message): return "CLIENT_ERROR \(message)"
        case .serverError(let message): return "SERVER_ERROR \(message)"
        }
    }
}

/// The flags of a meta reply: one letter each, most with a token (`c123`, `t-1`, `O7`).
struct MemcachedReplyFlags: Sendable, Equatable {
    private var flags: [(letter: UInt8, token: String)] = []

    init() {}

    /// Reads the words after a reply's code.
    init<Words: Sequence>(words: Words) where Words.Element == ArraySlice<UInt8> {
        for word in words {
            guard let letter = word.first else { continue }
            flags.append((letter, String(decoding: word.dropFirst(), as: UTF8.self)))
        }
    }

    /// The token of a flag, or `nil` when the reply does not carry it.
    subscript(letter: Character) -> String? {
        guard let ascii = letter.asciiValue else { return nil }
        return flags.first { $0.letter == ascii }?.token
    }

    var summary: String {
        flags.map { " " + String(UnicodeScalar($0.letter)) + $0.token }.joined()
    }

    static func == (lhs: MemcachedReplyFlags, rhs: MemcachedReplyFlags) -> Bool {
        lhs.flags.elementsEqual(rhs.flags) { $0.letter == $1.letter && $0.token == $1.token }
    }
}
