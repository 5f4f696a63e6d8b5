import Synchronization

/// Runs one operation per key at a time: callers that arrive while it runs wait
/// for its result instead of starting their own (stampede protection).
public final class SingleFlight<Value: Sendable>: Sendable {
    private let inFlight = Mutex<[String: Task<Value, any Error>]>([:])

    /// Creates an empty group.
    public init() {}

    /// The result of `operation` for `key`, run once for all concurrent callers.
    /// Returns whether this caller was the one that ran it.
    public func run(
        _ key: String, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> (value: Value, ranHere: Bool) {
        let (task, leader) = inFlight.withLock { tasks -> (Task<Value, any Error>, Bool) in
            if let running = tasks[key] { return (running, false) }
            let task = Task { try await operation() }
            tasks[key] = task
            return (task, true)
        }
        if leader {
            defer { _ = inFlight.withLock { $0.removeValue(forKey: key) } }
            return (try await task.value, true)
        }
        return (try await task.value, false)
    }

    /// The keys with an operation under way.
    public var keys: [String] { inFlight.withLock { Array($0.keys) } }
}
