import NIOCore
import Synchronization

/// The outcome of work raced against a timer: whichever finishes first decides
/// it, and the waiter is resumed exactly once.
///
/// This is how a backend's timeout bounds a whole call — connect, queue wait,
/// retries — whatever the server or the driver does: the caller gets its
/// answer at the deadline even if the work it waits for never ends.
package final class DeadlineRace<T: Sendable>: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<T, any Error>)
        case finished(Result<T, any Error>)
    }

    private let state = CacheLock<State>(.pending)

    /// An undecided race.
    package init() {}

    /// Records `result` if nothing was recorded yet; returns whether it was.
    @discardableResult
    package func finish(_ result: Result<T, any Error>) -> Bool {
        let waiter = state.withLock { state -> (CheckedContinuation<T, any Error>?, Bool) in
            switch state {
            case .pending:
                state = .finished(result)
                return (nil, true)
            case .waiting(let continuation):
                state = .finished(result)
                return (continuation, true)
            case .finished:
                return (nil, false)
            }
        }
        waiter.0?.resume(with: result)
        return waiter.1
    }

    /// The recorded outcome, once there is one.
    package var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<T, any Error>? in
                    switch state {
                    case .pending:
                        state = .waiting(continuation)
                        return nil
                    case .finished(let result):
                        return result
                    case .waiting:
                        return .failure(CancellationError())
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }

    /// The value of `future`, or `timeout()` thrown at `deadline` if it has
    /// not completed by then (the future itself carries on).
    package static func value(
        of future: EventLoopFuture<T>, until deadline: NIODeadline, timeout: @escaping @Sendable () -> any Error
    ) async throws -> T {
        guard deadline > .now() else { throw timeout() }
        let race = DeadlineRace<T>()
        future.whenComplete { race.finish($0) }
        let timer = future.eventLoop.scheduleTask(deadline: deadline) { race.finish(.failure(timeout())) }
        defer { timer.cancel() }
        return try await race.value
    }
}
