import Caching

/// What a cluster or Sentinel client knows of where its servers are (a slot
/// map, a primary's address), and the one lookup at a time that renews it.
///
/// Callers that need a fresh value while a lookup runs join it instead of
/// starting their own; a lookup asked for without `force` within 100 ms of
/// the last one is skipped and the known value used. The lookup itself is
/// the caller's (`load`), so the client that owns this holds no cycle.
final class RedisTopologyLookup<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var running: Task<Value, any Error>?
        var last: ContinuousClock.Instant?
        var lookups = 0
    }

    private let state = CacheLock(State())

    /// The value known now, if any lookup has succeeded.
    var current: Value? { state.withLock { $0.value } }

    /// Lookups finished so far.
    var count: Int { state.withLock { $0.lookups } }

    /// Replaces the known value (news from elsewhere, such as a Sentinel
    /// announcement); returns the value it replaced.
    @discardableResult
    func replace(with value: Value) -> Value? {
        state.withLock { state in
            defer { state.value = value }
            return state.value
        }
    }

    /// The known value, looked up on first use.
    func value(load: @escaping @Sendable () async throws(RedisError) -> Value) async throws(RedisError) -> Value {
        if let value = current { return value }
        return try await refreshed(force: true, load: load)
    }

    /// Starts a lookup unless one runs, without waiting for it.
    func refreshInBackground(load: @escaping @Sendable () async throws(RedisError) -> Value) {
        _ = start(force: true, load: load)
    }

    /// A fresh value: joins the lookup under way, or starts one (unless
    /// `force` is false and the last one finished under 100 ms ago).
    func refreshed(force: Bool, load: @escaping @Sendable () async throws(RedisError) -> Value) async throws(RedisError) -> Value {
        guard let task = start(force: force, load: load) else { return try await value(load: load) }
        do {
            return try await task.value
        } catch let error as RedisError {
            throw error
        } catch {
            throw .topologyUnavailable("\(error)")
        }
    }

    /// Cancels the lookup under way (the client closes).
    func cancel() {
        state.withLock { $0.running?.cancel() }
    }

    private func start(force: Bool, load: @escaping @Sendable () async throws(RedisError) -> Value) -> Task<Value, any Error>? {
        state.withLock { state -> Task<Value, any Error>? in
            if let running = state.running { return running }
            if !force, state.value != nil, let last = state.last, ContinuousClock.now - last < .milliseconds(100) {
                return nil
            }
            let task = Task<Value, any Error> {
                let result: Result<Value, RedisError>
                do throws(RedisError) {
                    result = .success(try await load())
                } catch {
                    result = .failure(error)
                }
                self.state.withLock { state in
                    state.running = nil
                    state.last = .now
                    state.lookups += 1
                    if case .success(let value) = result { state.value = value }
                }
                return try result.get()
            }
            state.running = task
            return task
        }
    }
}
