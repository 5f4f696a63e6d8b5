import Caching
import Foundation
import Logging
import MemcachedCaching

/// Backends and caches on servers the tests start themselves.
enum MemcachedTesting {
    /// The fault tests provoke warnings on purpose; they are not printed.
    static let quietLogger = Logger(label: "memcached-tests") { _ in SwiftLogNoOpLogHandler() }

    /// A backend on `locations` with a short connect timeout and breaker
    /// cool-down, so fault tests move quickly. The call timeout is long: the
    /// first seconds of a full suite start hundreds of tests and dozens of
    /// servers on two cores, and a reply then took over 5 s (seen in CI
    /// rehearsals); tests about timeouts pass their own.
    static func backend(_ locations: [String], failureMode: MemcachedFailureMode = .error,
                        connectTimeout: Duration = .seconds(2), timeout: Duration = .seconds(30),
                        connectionsPerServer: Int = 2,
                        breaker: CircuitBreakerSettings = CircuitBreakerSettings(coolDown: .milliseconds(100)),
                        logger: Logger = MemcachedTesting.quietLogger) throws -> MemcachedCacheBackend {
        MemcachedCacheBackend(
            configuration: .init(
                servers: try locations.map { try MemcachedServer(parsing: $0) },
                connectTimeout: connectTimeout, timeout: timeout, failureMode: failureMode,
                connectionsPerServer: connectionsPerServer, breaker: breaker),
            logger: logger)
    }

    static func cache(_ backend: MemcachedCacheBackend, logger: Logger = MemcachedTesting.quietLogger) -> Cache {
        Cache(backend: backend, logger: logger)
    }

    /// Tries `body` until it succeeds (at most `attempts` times, `pause` apart);
    /// returns whether it did. For waiting on recovery, never for timing.
    static func eventually(attempts: Int = 200, pause: Duration = .milliseconds(100),
                           _ body: () async throws -> Void) async -> Bool {
        for _ in 0..<attempts {
            do {
                try await body()
                return true
            } catch {
                try? await Task.sleep(for: pause)
            }
        }
        return false
    }
}

extension CacheError {
    /// Whether the error says a server could not be used (rather than
    /// something about a key or value).
    var isServerFailure: Bool {
        switch self {
        case .timeout, .backendFailure, .unavailable: return true
        default: return false
        }
    }
}
