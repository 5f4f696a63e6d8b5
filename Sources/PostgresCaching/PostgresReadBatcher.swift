import Caching
import NIOCore
import Synchronization

/// Coalesces concurrent single-key reads into one `WHERE cache_key = ANY($1)`
/// query — what lets many tasks reading at once cost the server a few queries
/// instead of one each.
///
/// Up to `maxRunning` queries run at once. A read that finds a free slot runs
/// at once with its own key, so an idle server sees no added latency; reads
/// that arrive while every slot is busy wait, and the next slot to finish
/// takes all of them (up to ``maxBatch`` keys) in one query. Under load the
/// batches grow by themselves, and the number of round trips falls.
final class PostgresReadBatcher: Sendable {
    /// A row as read: the value and its expiry time, or why that one row
    /// could not be read (it fails only the reads of its own key).
    typealias Row = Result<(value: ByteBuffer, expires: Double), CacheError>
    /// Reads the rows of `keys`, by key.
    typealias Fetch = @Sendable ([String]) async throws -> [String: Row]

    /// The most keys in one query.
    static let maxBatch = 512

    private struct Waiter {
        let key: String
        let continuation: CheckedContinuation<Row?, any Error>
    }

    private struct State {
        var running = 0
        var waiting: [Waiter] = []
    }

    private let state = CacheLock(State())
    private let maxRunning: Int

    init(maxRunning: Int) {
        self.maxRunning = max(1, maxRunning)
    }

    /// The row of `key`, or `nil` when there is none. `fetch` runs the query;
    /// every caller passes the same one.
    func read(_ key: String, using fetch: @escaping Fetch) async throws -> Row? {
        let leads = state.withLock { state in
            guard state.running < maxRunning else { return false }
            state.running += 1
            return true
        }
        guard leads else {
            return try await withCheckedThrowingContinuation { continuation in
                let startDrain = state.withLock { state in
                    state.waiting.append(Waiter(key: key, continuation: continuation))
                    // Every slot finished between the check above and now:
                    // take one, or nobody would serve this read.
                    guard state.running < maxRunning else { return false }
                    state.running += 1
                    return true
                }
                if startDrain { Task { await self.drain(fetch) } }
            }
        }
        let result: Result<[String: Row], any Error>
        do {
            result = .success(try await fetch([key]))
        } catch {
            result = .failure(error)
        }
        if hasWaiters() {
            Task { await self.drain(fetch) }
        }
        return try result.get()[key]
    }

    /// Releases the caller's slot when nobody waits; otherwise keeps it for a drain.
    private func hasWaiters() -> Bool {
        state.withLock { state in
            if state.waiting.isEmpty {
                state.running -= 1
                return false
            }
            return true
        }
    }

    /// Serves waiting reads in batches until none wait, then frees the slot.
    private func drain(_ fetch: Fetch) async {
        while true {
            let batch: [Waiter]? = state.withLock { state in
                guard !state.waiting.isEmpty else {
                    state.running -= 1
                    return nil
                }
                let count = min(state.waiting.count, Self.maxBatch)
                let batch = Array(state.waiting.prefix(count))
                state.waiting.removeFirst(count)
                return batch
            }
            guard let batch else { return }
            var keys: [String] = []
            var seen = Set<String>()
            for waiter in batch where seen.insert(waiter.key).inserted { keys.append(waiter.key) }
            do {
                let rows = try await fetch(keys)
                for waiter in batch { waiter.continuation.resume(returning: rows[waiter.key]) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
