import Caching
import CachingTestSupport
import Testing

/// The dummy backend's side of the conformance suite. As in Django's own test
/// suite (`DummyCacheTests` beside `BaseCacheTests`), the dummy runs the same
/// operations with the answers of a cache that stores nothing (spec §2,
/// "DummyCache"), rather than the storing checks every other backend passes.
@Suite("Backend conformance: dummy")
struct DummyConformanceTests {
    let cache = Cache(backend: DummyCacheBackend())

    @Test("stores nothing and answers as Django's DummyCache")
    func answers() async throws {
        try await cache.set("key", "value")
        #expect(try await cache.get("key", as: String.self) == nil)
        #expect(try await cache.get("key", default: "default") == "default")
        #expect(try await cache.add("key", "value"))
        #expect(try await cache.touch("key") == false)
        #expect(try await cache.delete("key") == false)
        #expect(try await cache.hasKey("key") == false)
        #expect(try await cache.getMany(["key"], as: String.self).isEmpty)
        #expect(try await cache.setMany(["key": "value"]).isEmpty)
        try await cache.deleteMany(["key"])
        try await cache.clear()
        #expect(try await cache.getOrSet("key", default: "default") == "default")
    }

    @Test("counters and versions fail even for keys that were set")
    func countersFail() async throws {
        try await cache.set("answer", 42)
        await #expect(throws: CacheError.self) { try await cache.increment("answer") }
        await #expect(throws: CacheError.self) { try await cache.decrement("answer") }
        await #expect(throws: CacheError.self) { try await cache.incrementVersion("answer") }
        await #expect(throws: CacheError.self) { try await cache.decrementVersion("answer") }
    }

    @Test("tags: tagged writes and invalidations succeed, and nothing is ever found")
    func tags() async throws {
        try await cache.set("key", "value", tags: ["t"])
        #expect(try await cache.get("key", as: String.self) == nil)
        try await cache.invalidate(tags: ["t"])
        #expect(try await cache.getOrSet("key", tags: ["t"]) { "computed" } == "computed")
        #expect(try await cache.add("key", "value", tags: ["t"]))
    }

    @Test("keys are still validated")
    func validates() async throws {
        let capture = LogCapture()
        let cache = Cache(backend: DummyCacheBackend(), logger: capture.logger)
        _ = try await cache.getMany(["key with space"], as: Int.self)
        try await cache.setMany(["key with space": 1])
        try await cache.deleteMany(["key with space"])
        #expect(capture.warnings.count == 3)
        #expect(capture.warnings.first == "Cache key contains characters that will cause errors if used with memcached: ':1:key with space'")
    }
}
