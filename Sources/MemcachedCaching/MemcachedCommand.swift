import NIOCore

/// One command of memcached's meta protocol (and the few text commands the
/// meta protocol has no form of), as this client sends them.
///
/// The meta protocol (memcached 1.6+) is used rather than the classic text
/// protocol because one command family covers every operation with flags:
/// `mg` reads, probes and touches (`T`), returns the CAS token and remaining
/// TTL (`c`, `t`) for the read-modify-write that `incr` cannot do; `ms` sets
/// and adds (`ME`) with a CAS check (`C`); `ma` increments and decrements in
/// place and returns the new value in one round trip; and the quiet flag `q`
/// with an opaque token `O` lets a multi-get send many `mg` commands and one
/// `mn` and hear back only the hits, each labelled.
enum MemcachedCommand: Sendable {
    /// How `ms` stores.
    enum StoreMode: Sendable {
        /// Replace any existing value (`MS`, the default).
        case set
        /// Store only when the key is absent (`ME`).
        case add
    }

    /// `mg <key> v`: the value, or `EN`.
    case get(key: String)
    /// `mg <key> v q O<opaque>`: the value labelled with `opaque`, or nothing
    /// on a miss; ends with an `mn`.
    case quietGet(key: String, opaque: Int)
    /// `mg <key> v c t`: the value with its CAS token and remaining TTL.
    case getForUpdate(key: String)
    /// `mg <key> [T<ttl>]`: `HD` when the key is live (and gets the new TTL), else `EN`.
    case probe(key: String, touch: Int?)
    /// `ms <key> <length> T<ttl> [ME] [C<cas>]`: `HD`, `NS`, `EX` or `NF`.
    case store(key: String, value: [UInt8], ttl: Int, mode: StoreMode, cas: UInt64?)
    /// `md <key> [q]`: `HD` or `NF` (quiet: no `HD`; `NF` from memcached versions that still send it).
    case delete(key: String, quiet: Bool)
    /// `ma <key> D<delta> [MD] [C<cas>] v`: the new value, `NF`, or `EX`.
    case arithmetic(key: String, delta: UInt64, decrement: Bool, cas: UInt64?)
    /// `mn`: `MN`, which ends a pipeline of quiet commands.
    case noop
    /// `flush_all`: `OK`.
    case flushAll
    /// `stats settings`: `STAT` lines, then `END`.
    case statsSettings

    /// Which replies the command can be answered with.
    var kind: MemcachedCommandKind {
        switch self {
        case .get, .getForUpdate: return .get
        case .quietGet: return .quietGet
        case .probe: return .probe
        case .store: return .store
        case .delete(_, let quiet): return quiet ? .quietDelete : .delete
        case .arithmetic: return .arithmetic
        case .noop: return .noop
        case .flushAll: return .flush
        case .statsSettings: return .stats
        }
    }

    /// The command's name, for errors.
    var name: String {
        switch self {
        case .get, .quietGet, .getForUpdate, .probe: return "mg"
        case .store: return "ms"
        case .delete: return "md"
        case .arithmetic: return "ma"
        case .noop: return "mn"
        case .flushAll: return "flush_all"
        case .statsSettings: return "stats settings"
        }
    }

    /// Writes the command as it goes on the wire.
    func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .get(let key):
            buffer.writeStaticString("mg ")
            buffer.writeString(key)
            buffer.writeStaticString(" v\r\n")
        case .quietGet(let key, let opaque):
            buffer.writeStaticString("mg ")
            buffer.writeString(key)
            buffer.writeStaticString(" v q O")
            buffer.writeString(String(opaque))
            buffer.writeStaticString("\r\n")
        case .getForUpdate(let key):
            buffer.writeStaticString("mg ")
            buffer.writeString(key)
            buffer.writeStaticString(" v c t\r\n")
        case .probe(let key, let touch):
            buffer.writeStaticString("mg ")
            buffer.writeString(key)
            if let touch {
                buffer.writeStaticString(" T")
                buffer.writeString(String(touch))
            }
            buffer.writeStaticString("\r\n")
        case .store(let key, let value, let ttl, let mode, let cas):
            buffer.writeStaticString("ms ")
            buffer.writeString(key)
            buffer.writeStaticString(" ")
            buffer.writeString(String(value.count))
            buffer.writeStaticString(" T")
            buffer.writeString(String(ttl))
            if mode == .add { buffer.writeStaticString(" ME") }
            if let cas {
                buffer.writeStaticString(" C")
                buffer.writeString(String(cas))
            }
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(value)
            buffer.writeStaticString("\r\n")
        case .delete(let key, let quiet):
            buffer.writeStaticString("md ")
            buffer.writeString(key)
            buffer.writeStaticString(quiet ? " q\r\n" : "\r\n")
        case .arithmetic(let key, let delta, let decrement, let cas):
            buffer.writeStaticString("ma ")
            buffer.writeString(key)
            buffer.writeStaticString(" D")
            buffer.writeString(String(delta))
            if decrement { buffer.writeStaticString(" MD") }
            if let cas {
                buffer.writeStaticString(" C")
                buffer.writeString(String(cas))
            }
            buffer.writeStaticString(" v\r\n")
        case .noop:
            buffer.writeStaticString("mn\r\n")
        case .flushAll:
            buffer.writeStaticString("flush_all\r\n")
        case .statsSettings:
            buffer.writeStaticString("stats settings\r\n")
        }
    }
}

/// The replies a command may be answered with. Any other reply means the
/// client and server no longer agree on where they are in the stream, and the
/// connection is closed.
enum MemcachedCommandKind: Sendable {
    case get, quietGet, probe, store, delete, quietDelete, arithmetic, noop, flush, stats

    /// Whether `reply` is a possible answer to a command of this kind.
    func accepts(_ reply: MemcachedReply) -> Bool {
        switch (self, reply) {
        // A server-side failure (out of memory, too large) answers one command
        // and leaves the stream in step.
        case (.get, .serverError), (.quietGet, .serverError), (.probe, .serverError), (.store, .serverError),
             (.delete, .serverError), (.quietDelete, .serverError), (.arithmetic, .serverError), (.flush, .serverError):
            return true
        case (.get, .value), (.get, .miss):
            return true
        case (.quietGet, .value):
            return true
        case (.probe, .header), (.probe, .miss):
            return true
        case (.store, .header), (.store, .notStored), (.store, .exists), (.store, .notFound):
            return true
        case (.delete, .header), (.delete, .notFound):
            return true
        // Quiet `md` suppresses `HD`; memcached before 1.6.20 or so still sends `NF`.
        case (.quietDelete, .header), (.quietDelete, .notFound):
            return true
        case (.arithmetic, .value), (.arithmetic, .notFound), (.arithmetic, .notStored), (.arithmetic, .exists):
            return true
        // `ma` on a value that is not a decimal number.
        case (.arithmetic, .clientError(let message)):
            return message.contains("non-numeric")
        case (.noop, .noop), (.flush, .ok), (.stats, .stat), (.stats, .end):
            return true
        default:
            return false
        }
    }
}
