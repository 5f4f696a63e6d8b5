import Caching
import CachingTestSupport
import Testing

/// The front end's part of failing open: `getOrSet` never throws away a value
/// it computed, and `CacheFailureHandler` turns server failures (and only
/// those) into misses.
@Suite("Failure mode")
struct FailureModeTests {
    /// A backend whose reads miss and whose writes fail with `error`.
    struct FailingWrites: CacheBackend {
        let error: CacheError
        var name: String { "failing" }
        func get(_ key: String) async throws -> CacheValue? { nil }
        func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws { throw error }
        func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { throw error }
        func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { throw error }
        func delete(_ key: String) async throws -> Bool { throw error }
        func hasKey(_ key: String) async throws -> Bool { false }
        func increment(_ key: String, by delta: Int) async throws -> Int { throw error }
        func clear() async throws { throw error }
    }

    @Test("getOrSet returns the computed value when the server fails while storing it")
    func getOrSetKeepsComputed() async throws {
        let log = LogCapture()
        let down = CacheError.unavailable(backend: "failing", reason: .connectionLost, message: "gone")
        let cache = Cache(backend: FailingWrites(error: down), logger: log.logger)
        #expect(try await cache.getOrSet("k") { 42 } == 42)
        #expect(log.warnings.contains { $0.contains("uncached") }, "\(log.warnings)")
    }

    @Test("getOrSet still throws an error that is not a server failure")
    func getOrSetThrowsOthers() async throws {
        let cache = Cache(backend: FailingWrites(error: .valueTooLarge(key: "k", size: 2, limit: 1)))
        await #expect(throws: CacheError.valueTooLarge(key: "k", size: 2, limit: 1)) { try await cache.getOrSet("k") { 42 } }
    }

    @Test("miss mode: server failures become the fallback; other errors are thrown; error mode throws")
    func handler() async throws {
        let breaker = CircuitBreaker(backend: "test", server: "s", settings: CircuitBreakerSettings(), probeTimeout: .seconds(1),
                                     logger: LogCapture().logger)
        let miss = CacheFailureHandler(mode: .miss, logger: LogCapture().logger)
        let timeout = CacheError.timeout(backend: "test", message: "slow")
        #expect(try await miss.run(write: false, breaker: breaker, whenDown: { 7 }) { throw timeout } == 7)
        await #expect(throws: CacheError.backendFailure(backend: "test", message: "nonsense")) {
            try await miss.run(write: false, breaker: breaker, whenDown: { 7 }) {
                throw CacheError.backendFailure(backend: "test", message: "nonsense")
            }
        }
        let error = CacheFailureHandler(mode: .error, logger: LogCapture().logger)
        await #expect(throws: timeout) { try await error.run(write: true, breaker: breaker, whenDown: { 7 }) { throw timeout } }
        #expect(CacheFailureMode(named: "miss") == .miss)
        #expect(CacheFailureMode(named: "ignore") == nil)
    }
}
