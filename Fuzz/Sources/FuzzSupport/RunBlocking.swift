import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs async code to completion from libFuzzer's synchronous callback.
///
/// The cache front ends are async; the fuzz entry point is a C function.
public func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () async -> Result) -> Result {
    let box = ResultBox<Result>()
    let done = DispatchSemaphore(value: 0)
    Task {
        box.value = await body()
        done.signal()
    }
    done.wait()
    guard let value = box.value else {
        require(false, "runBlocking: the task finished without a result")
        abort()
    }
    return value
}

/// The result slot: written once by the task, read after the semaphore.
private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}
