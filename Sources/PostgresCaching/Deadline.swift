import Synchronization

/// The outcome of work raced against a timer: whichever finishes first decides
/// it, and the waiter is resumed exactly once.
final class Deadline<T: Sendable>: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<T, any Error>)
        case finished(Result<T, any Error>)
    }

    private let state = Mutex<State>(.pending)

    /// Records `result` if nothing was recorded yet; returns whether it was.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
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
    var value: T {
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
}
