import NIOCore

/// Commands written to a connection together, and how to tell when all of
/// their replies have arrived.
///
/// The bytes are encoded by the caller, off the event loop; the channel handler
/// only writes them and checks each reply against the command it answers.
struct MemcachedRequest: Sendable {
    /// When the request's replies are complete.
    enum Completion: Sendable, Equatable {
        /// After this many replies, one per command.
        case replies(Int)
        /// At the `MN` that ends a pipeline of quiet commands.
        case noop
        /// At the `END` that ends `stats`.
        case end
    }

    /// The encoded commands.
    let bytes: ByteBuffer
    /// The kind of each command, to check its reply against.
    let kinds: [MemcachedCommandKind]
    /// The name of the first command, for errors.
    let name: String
    let completion: Completion
    /// Whether sending the commands again leaves the server as one send would
    /// and gets the same replies (reads, probes, unconditional stores): such a
    /// request is sent once more on a new connection when its connection
    /// closed before the replies came. Adds, CAS stores, deletes and
    /// arithmetic are not: replayed, they could report the first send's work
    /// as not done, or do it twice.
    let isIdempotent: Bool

    private init(commands: [MemcachedCommand], completion: Completion) {
        var buffer = ByteBuffer()
        for command in commands { command.encode(into: &buffer) }
        bytes = buffer
        kinds = commands.map(\.kind)
        name = commands.first?.name ?? "mn"
        self.completion = completion
        isIdempotent = commands.allSatisfy { command in
            switch command {
            case .get, .quietGet, .getForUpdate, .probe, .noop, .statsSettings: return true
            case .store(_, _, _, let mode, let cas): return mode == .set && cas == nil
            case .delete, .arithmetic, .flushAll: return false
            }
        }
    }

    /// One command and its one reply.
    static func single(_ command: MemcachedCommand) -> MemcachedRequest {
        MemcachedRequest(commands: [command], completion: command.kind == .stats ? .end : .replies(1))
    }

    /// Several commands written at once, one reply each, in order.
    static func pipeline(_ commands: [MemcachedCommand]) -> MemcachedRequest {
        MemcachedRequest(commands: commands, completion: .replies(commands.count))
    }

    /// Quiet commands of one kind followed by `mn`: only the replies that are
    /// not suppressed arrive, then `MN`.
    static func quiet(_ commands: [MemcachedCommand]) -> MemcachedRequest {
        MemcachedRequest(commands: commands + [.noop], completion: .noop)
    }

    /// The command kind a reply at `position` answers.
    func kind(at position: Int) -> MemcachedCommandKind {
        switch completion {
        case .replies:
            return position < kinds.count ? kinds[position] : .noop
        case .noop, .end:
            return kinds.first ?? .noop
        }
    }
}
