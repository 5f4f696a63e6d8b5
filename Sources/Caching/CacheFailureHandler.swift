import Logging

/// Applies a backend's ``CacheFailureMode`` to one operation: the one
/// implementation of "a failed read is a miss, a failed write is dropped".
///
/// Only errors that say the server could not be used
/// (``CacheError/isServerUnavailable``) are turned into `whenDown()`; any
/// other error (a bad value, a protocol error, an error reply) is thrown in
/// both modes, so a server that answers nonsense is never hidden.
package struct CacheFailureHandler: Sendable {
    /// The mode applied.
    package let mode: CacheFailureMode
    private let logger: Logger
    /// Shut by the backend's ``CacheBackend/closePermanently()``: every later call
    /// fails at once (copies of the handler share it).
    package let latch = CacheShutdownLatch()

    /// A handler for `mode`, logging dropped writes to `logger`.
    package init(mode: CacheFailureMode, logger: Logger) {
        self.mode = mode
        self.logger = logger
    }

    /// Set (with `$writesMustFail.withValue(true)`) around writes whose loss
    /// must be reported even in the `miss` mode: a dropped tag invalidation
    /// would leave stale values served with nobody told
    /// (``Cache/invalidate(tags:)``).
    @TaskLocal package static var writesMustFail = false

    /// Runs `body` (or fails at once when the backend was shut down); in the `miss` mode a server failure gives `whenDown()`,
    /// except for a write while ``writesMustFail`` is set.
    /// A dropped write is counted on `breaker`, which logs one summary line a
    /// second; a failed read is logged at debug level only.
    package func run<T>(write: Bool, breaker: CircuitBreaker, whenDown: () throws -> T,
                        _ body: () async throws -> T) async throws -> T {
        try latch.check()
        do {
            return try await body()
        } catch let error as CacheError where mode == .miss && error.isServerUnavailable && !(write && Self.writesMustFail) {
            if write {
                breaker.droppedWrite()
            } else {
                logger.debug("cache server unavailable; the read is a miss",
                             metadata: ["cache.server": "\(breaker.server)", "error": "\(error)"])
            }
            return try whenDown()
        }
    }
}
