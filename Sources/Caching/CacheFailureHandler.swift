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

    /// A handler for `mode`, logging dropped writes to `logger`.
    package init(mode: CacheFailureMode, logger: Logger) {
        self.mode = mode
        self.logger = logger
    }

    /// Runs `body`; in the `miss` mode a server failure gives `whenDown()`.
    /// A dropped write is counted on `breaker`, which logs one summary line a
    /// second; a failed read is logged at debug level only.
    package func run<T>(write: Bool, breaker: CircuitBreaker, whenDown: () throws -> T,
                        _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CacheError where mode == .miss && error.isServerUnavailable {
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
