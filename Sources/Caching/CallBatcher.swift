
/// Coalesces concurrent calls into batches: what lets many tasks reading or
/// writing a database at once cost it a few statements (and, for writes, a
/// few transactions) instead of one each.
///
/// Up to `maxRunning` batches run at once. A call that finds a free slot runs
/// at once, alone, so an idle server sees no added latency; calls that arrive
/// while every slot is busy wait, and the next slot to finish takes all of
/// them (up to `maxBatch`) in one batch. Under load the batches grow by
/// themselves, and the number of round trips falls.
///
/// Each call gets its own result: `run` answers one `Result` per input, in
/// order, so one input that fails fails only its own caller. The SQL backends
/// use one batcher for reads and one for writes; what a batch does is theirs.
package final class CallBatcher<Input: Sendable, Output: Sendable>: Sendable {
    /// Runs one batch; answers one result per input, in the inputs' order.
    package typealias Run = @Sendable ([Input]) async -> [Result<Output, any Error>]

    private struct Waiter {
        let input: Input
        let continuation: CheckedContinuation<Output, any Error>
    }

    private struct State {
        var running = 0
        var waiting: [Waiter] = []
    }

    private let state = CacheLock(State())
    private let maxRunning: Int
    /// The most inputs in one batch.
    package let maxBatch: Int

    /// A batcher running at most `maxRunning` batches of at most `maxBatch` inputs.
    package init(maxRunning: Int, maxBatch: Int) {
        self.maxRunning = max(1, maxRunning)
        self.maxBatch = max(1, maxBatch)
    }

    /// The result of `input`, run alone or in a batch with concurrent calls.
    /// Every caller of one batcher passes the same `run`.
    package func submit(_ input: Input, using run: @escaping Run) async throws -> Output {
        let leads = state.withLock { state in
            guard state.running < maxRunning else { return false }
            state.running += 1
            return true
        }
        guard leads else {
            return try await withCheckedThrowingContinuation { continuation in
                let startDrain = state.withLock { state in
                    state.waiting.append(Waiter(input: input, continuation: continuation))
                    // Every slot finished between the check above and now:
                    // take one, or nobody would serve this call.
                    guard state.running < maxRunning else { return false }
                    state.running += 1
                    return true
                }
                if startDrain { Task { await self.drain(run) } }
            }
        }
        let result = await run([input]).first ?? .failure(CallBatcherError.noResult)
        if hasWaiters() {
            Task { await self.drain(run) }
        }
        return try result.get()
    }

    /// The calls waiting for a slot (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

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

    /// Serves waiting calls in batches until none wait, then frees the slot.
    ///
    /// When none wait after a batch, it yields once before it lets the slot
    /// go: the batch's callers resume together and call again, and they
    /// should make one batch, not one call alone and the rest behind it.
    private func drain(_ run: Run) async {
        var yielded = false
        while true {
            let batch: [Waiter]? = state.withLock { state in
                guard !state.waiting.isEmpty else {
                    if !yielded { return [] }
                    state.running -= 1
                    return nil
                }
                let count = min(state.waiting.count, maxBatch)
                let batch = Array(state.waiting.prefix(count))
                state.waiting.removeFirst(count)
                return batch
            }
            guard let batch else { return }
            guard !batch.isEmpty else {
                yielded = true
                await Task.yield()
                continue
            }
            yielded = false
            let results = await run(batch.map(\.input))
            for (index, waiter) in batch.enumerated() {
                waiter.continuation.resume(with: index < results.count ? results[index] : .failure(CallBatcherError.noResult))
            }
        }
    }
}

/// A batch that answered fewer results than it had inputs (a bug in the
/// batch's code, reported rather than leaving a caller waiting forever).
package enum CallBatcherError: Error, CustomStringConvertible {
    case noResult

    package var description: String { "a batched cache operation got no result (please report this bug)" }
}
