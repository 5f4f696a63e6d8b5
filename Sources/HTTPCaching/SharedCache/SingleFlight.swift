import Caching
import Synchronization

/// One operation per key at a time: callers that arrive while it runs wait for
/// its outcome instead of starting their own (stampede protection).
///
/// The first caller (the leader) runs the operation in its own task, so its
/// task-local values, priority and cancellation are its own and the operation
/// need not be `@Sendable` or escaping. The others are handed the `Value` the
/// leader publishes (`nil` if it failed) and decide what to do with it — the
/// caches look themselves up again.
public final class SingleFlight<Value: Sendable>: Sendable {
    /// What a caller of ``run(_:_:)`` got.
    public enum Outcome<Result> {
        /// This caller led: the operation's own result.
        case ran(Result)
        /// Another caller led; what it published (`nil` if it failed).
        case waited(Value?)
    }

    private let waiters = CacheLock<[String: [CheckedContinuation<Value?, Never>]]>([:])

    /// Creates an empty group.
    public init() {}

    /// Runs `operation` for `key` unless it is already running; then waits for
    /// that run instead. `operation` returns its result and the value to publish.
    public func run<Result>(
        _ key: String, _ operation: () async throws -> (result: Result, published: Value)
    ) async throws -> Outcome<Result> {
        if case .waited(let value) = await join(key) { return .waited(value) }
        do {
            let (result, published) = try await operation()
            finish(key, published)
            return .ran(result)
        } catch {
            finish(key, nil)
            throw error
        }
    }

    /// What a caller of ``join(_:)`` got.
    public enum Joined: Sendable {
        /// This caller leads: it must call ``SingleFlight/finish(_:_:)`` exactly once.
        case leads
        /// Another caller led; what it published (`nil` if it failed).
        case waited(Value?)
    }

    /// Joins the flight for `key` without a closure, for callers whose
    /// operation starts in one place and ends in another (the page cache's
    /// fetch and update steps).
    public func join(_ key: String) async -> Joined {
        let leads = waiters.withLock { waiters -> Bool in
            if waiters[key] != nil { return false }
            waiters[key] = []
            return true
        }
        if leads { return .leads }
        let value = await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            let queued = waiters.withLock { $0[key]?.append(continuation) } != nil
            if !queued { continuation.resume(returning: nil) }
        }
        return .waited(value)
    }

    /// Ends the flight for `key` that ``join(_:)`` made this caller lead,
    /// handing `value` to the callers waiting on it.
    public func finish(_ key: String, _ value: Value?) {
        let queued = waiters.withLock { $0.removeValue(forKey: key) } ?? []
        for continuation in queued { continuation.resume(returning: value) }
    }

    /// The keys with an operation under way.
    public var keys: [String] { waiters.withLock { Array($0.keys) } }
}
