import Caching
import CachingTestSupport
import MemcachedCaching
import RedisCaching
import Testing

/// Issue 18, bad input: invalidating tags while the server is down throws a
/// typed error, even in the `miss` failure mode that drops other writes —
/// an invalidation that pretended would leave stale values served.
@Suite("Tag invalidation on a dead server", .timeLimit(.minutes(1)))
struct TagInvalidationOutageTests {
    @Test("memcached, miss mode: tagged writes are dropped, tagged reads miss, invalidate throws")
    func memcached() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let cache = MemcachedTesting.cache(try MemcachedTesting.backend(["127.0.0.1:\(port)"], failureMode: .miss))
        try await cache.set("k", "dropped", tags: ["t"])
        #expect(try await cache.get("k", as: String.self) == nil)
        for _ in 0..<3 {
            // The first call finds the connection refused, later ones the
            // circuit open: both are unavailability, and both must surface.
            do {
                try await cache.invalidate(tags: ["t"])
                Issue.record("an invalidation with nothing listening succeeded")
            } catch let error as CacheError {
                #expect(error.isServerUnavailable, "\(error)")
            }
        }
    }

    @Test("redis, miss mode: tagged writes are dropped, tagged reads miss, invalidate throws")
    func redis() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let backend = try RedisReliabilityTests.backend("redis://127.0.0.1:\(port)/0", failureMode: .miss, timeout: .seconds(5))
        defer { backend.shutdown() }
        let cache = Cache(backend: backend, logger: RedisReliabilityTests.quiet)
        try await cache.set("k", "dropped", tags: ["t"])
        #expect(try await cache.get("k", as: String.self) == nil)
        for _ in 0..<3 {
            do {
                try await cache.invalidate(tags: ["t"])
                Issue.record("an invalidation with nothing listening succeeded")
            } catch let error as CacheError {
                #expect(error.isServerUnavailable, "\(error)")
            }
        }
        // Other writes are still dropped quietly in this mode.
        try await cache.set("k", "dropped")
    }
}
