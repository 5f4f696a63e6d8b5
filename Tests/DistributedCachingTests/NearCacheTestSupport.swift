import Caching
import Foundation
import Synchronization

/// An invalidation channel the test drives by hand: it records what the near
/// cache publishes and delivers the events the test sends.
final class ManualInvalidationChannel: CacheInvalidationChannel {
    private struct State {
        var listener: (@Sendable (CacheInvalidationEvent) -> Void)?
        var published: [String] = []
        var publishedAll = 0
        var failure: CacheError?
        var starts = 0
    }

    private let state = Mutex(State())

    /// Whether to send `connected` as soon as the near cache starts listening.
    let connectOnStart: Bool

    init(connectOnStart: Bool = true) {
        self.connectOnStart = connectOnStart
    }

    func start(_ listener: @escaping @Sendable (CacheInvalidationEvent) -> Void) {
        state.withLock { state in
            state.listener = listener
            state.starts += 1
        }
        if connectOnStart { listener(.connected) }
    }

    func publish(_ keys: [String]) async throws {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            state.published += keys
        }
    }

    func publishAll() async throws {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            state.publishedAll += 1
        }
    }

    func stop() {}

    /// Delivers `event` as the channel would.
    func send(_ event: CacheInvalidationEvent) {
        let listener = state.withLock { $0.listener }
        listener?(event)
    }

    /// Makes publishing fail with `error` (or succeed again with `nil`).
    func failPublishing(with error: CacheError?) {
        state.withLock { $0.failure = error }
    }

    var published: [String] { state.withLock { $0.published } }
    var publishedAll: Int { state.withLock { $0.publishedAll } }
    var starts: Int { state.withLock { $0.starts } }
}

/// A memory backend that counts the reads that reach it, can report a fixed
/// lifetime with its values, and can hold reads at a gate.
final class CountingBackend: CacheBackend, CacheLifetimeReporting {
    let inner: MemoryCacheBackend
    private let reads = Atomic<Int>(0)
    private let reportedLifetime: CacheLifetime?
    private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let holding = Atomic<Bool>(false)
    private let waiting = Atomic<Bool>(false)

    init(clock: CacheClock = .monotonic, reportedLifetime: CacheLifetime? = nil) {
        inner = MemoryCacheBackend(location: "near-test-\(UUID().uuidString)", configuration: .init(maxEntries: 1000, clock: clock))
        self.reportedLifetime = reportedLifetime
    }

    var name: String { "counting" }
    var readCount: Int { reads.load(ordering: .relaxed) }

    /// Makes the next reads wait until ``release()``.
    func hold() { holding.store(true, ordering: .relaxed) }

    /// Whether a read waits at the gate.
    var isWaiting: Bool { waiting.load(ordering: .relaxed) }

    func release() {
        holding.store(false, ordering: .relaxed)
        let continuation = gate.withLock { gate in
            defer { gate = nil }
            return gate
        }
        continuation?.resume()
    }

    private func pass() async {
        guard holding.load(ordering: .relaxed) else { return }
        await withCheckedContinuation { continuation in
            gate.withLock { $0 = continuation }
            waiting.store(true, ordering: .relaxed)
        }
        waiting.store(false, ordering: .relaxed)
    }

    func get(_ key: String) async throws -> CacheValue? {
        reads.add(1, ordering: .relaxed)
        await pass()
        return try await inner.get(key)
    }

    func getWithLifetime(_ key: String) async throws -> (value: CacheValue, lifetime: CacheLifetime)? {
        guard let reportedLifetime else {
            return try await get(key).map { ($0, CacheLifetime.forever) }
        }
        return try await get(key).map { ($0, reportedLifetime) }
    }

    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        try await inner.set(key, value: value, lifetime: lifetime)
    }

    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        try await inner.add(key, value: value, lifetime: lifetime)
    }

    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        try await inner.touch(key, lifetime: lifetime)
    }

    func delete(_ key: String) async throws -> Bool {
        try await inner.delete(key)
    }

    func hasKey(_ key: String) async throws -> Bool {
        try await inner.hasKey(key)
    }

    func increment(_ key: String, by delta: Int) async throws -> Int {
        try await inner.increment(key, by: delta)
    }

    func clear() async throws {
        try await inner.clear()
    }
}
