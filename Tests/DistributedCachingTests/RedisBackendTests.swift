import Caching
import CachingTestSupport
import Foundation
import Logging
import RedisCaching
import Testing

@Suite("Redis backend")
struct RedisBackendTests {
    /// A registry that knows the Redis backend.
    static var registry: CacheBackendRegistry {
        var registry = CacheBackendRegistry.standard
        registry.registerRedisBackend()
        return registry
    }

    /// Thirty seconds to connect and to answer: these tests are not about
    /// timeouts, and in the suite's first seconds two cores running every
    /// suite at once have stalled a reply past the 5 s default (three tests
    /// at once in a CI run). The timeout tests pass their own.
    static let patient = RedisClient.Configuration(connectTimeout: .seconds(30), commandTimeout: .seconds(30))

    /// A client of its own on the shared server, as patient as the backends.
    static func rawClient() throws -> RedisClient {
        try RedisClient(url: sharedRedisURL, configuration: patient)
    }

    static func caches(_ json: String) throws -> Caches {
        try Caches(settings: CacheSettings(json: Data(json.utf8)), registry: registry)
    }

    @Test("settings build the backend by name or by Django's path; bad URLs and options name the alias and the fix")
    func settings() async throws {
        let caches = try Self.caches("""
            { "caches": {
                "default": { "backend": "redis", "location": "\(sharedRedisURL)", "keyPrefix": "settings-\(UUID().uuidString)",
                             "options": { "timeout": 10 } },
                "django": { "backend": "django.core.cache.backends.redis.RedisCache",
                            "location": ["\(sharedRedisURL)", "\(sharedRedisURL)"], "options": { "timeout": 10.5 } } } }
            """)
        try await caches.default.set("k", "v")
        #expect(try await caches.default.get("k", as: String.self) == "v")
        let django = try caches["django"]
        try await django.set("k2", 2)
        #expect(try await django.get("k2", as: Int.self) == 2)
        _ = try await django.delete("k2")

        let problems: [(String, String)] = [
            (#"{ "backend": "redis" }"#, "needs a 'location'"),
            (#"{ "backend": "redis", "location": "rediss://h" }"#, "TLS"),
            (#"{ "backend": "redis", "location": "redis://h", "options": { "pool": 3 } }"#, "pool"),
            (#"{ "backend": "redis", "location": "redis://h", "options": { "timeout": 0 } }"#, "timeout"),
            (#"{ "backend": "redis", "location": "redis://h", "options": { "clear": "all" } }"#, "\"prefix\" or \"database\""),
        ]
        for (settings, fragment) in problems {
            do {
                _ = try Self.caches(#"{ "caches": { "default": "# + settings + " } }")
                Issue.record("accepted \(settings)")
            } catch let error as CacheConfigurationError {
                #expect(error.message.contains(fragment), "\(settings): \(error.message)")
                #expect(error.message.contains("default"), "\(settings): \(error.message)")
            }
        }
    }

    @Test("clear with a key prefix deletes only that prefix's keys (Django would FLUSHDB)")
    func clearByPrefix() async throws {
        let prefix = "app-\(UUID().uuidString)"
        let caches = try Self.caches("""
            { "caches": { "default": { "backend": "redis", "location": "\(sharedRedisURL)", "keyPrefix": "\(prefix)",
                                       "options": { "timeout": 30 } } } }
            """)
        let raw = try Self.rawClient()
        defer { raw.close() }
        let other = "other-application:\(UUID().uuidString)"
        _ = try await raw.send("SET", [.string(other), "keep me"])
        try await caches.default.setMany(Dictionary(uniqueKeysWithValues: (0..<2500).map { ("key\($0)", $0) }))
        try await caches.default.clear()
        #expect(try await caches.default.getMany(["key0", "key1234", "key2499"], as: Int.self).isEmpty)
        #expect(try await raw.send("GET", [.string(other)]).bytes == Array("keep me".utf8))
        _ = try await raw.send("DEL", [.string(other)])
    }

    @Test("integers are stored raw, so INCRBY works and keeps the TTL; overflow is a typed error")
    func rawIntegers() async throws {
        let namespace = "raw-\(UUID().uuidString):"
        let backend = try RedisCacheBackend(configuration: .init(
            servers: [RedisEndpoint(url: sharedRedisURL)], client: Self.patient, namespace: namespace))
        let cache = Cache(backend: backend)
        let raw = try Self.rawClient()
        defer { raw.close() }
        // A long timeout, so a stalled machine cannot eat into it: the TTL
        // must survive the increment, not be renewed or dropped.
        try await cache.set("n", 41, timeout: 1000)
        #expect(try await raw.send("GET", [.string(namespace + ":1:n")]).bytes == Array("41".utf8))
        #expect(try await cache.increment("n") == 42)
        let ttl = try await raw.send("PTTL", [.string(namespace + ":1:n")]).integer ?? -1
        #expect(ttl > 900_000 && ttl <= 1_000_000)
        try await cache.set("big", Int.max)
        await #expect(throws: CacheError.integerOverflow(key: ":1:big")) { try await cache.increment("big") }
        try await cache.clear()
    }

    @Test("a value over maxValueBytes is refused and the old value deleted; setMany reports it")
    func valueTooLarge() async throws {
        let backend = try RedisCacheBackend(configuration: .init(
            servers: [RedisEndpoint(url: sharedRedisURL)], client: Self.patient, namespace: "large-\(UUID().uuidString):",
            maxValueBytes: 64))
        let cache = Cache(backend: backend)
        try await cache.set("k", "small")
        await #expect(throws: CacheError.self) { try await cache.set("k", String(repeating: "x", count: 100)) }
        #expect(try await cache.get("k", as: String.self) == nil)
        let failed = try await cache.setMany(["a": "small", "b": String(repeating: "x", count: 100)])
        #expect(failed == ["b"])
        #expect(try await cache.get("a", as: String.self) == "small")
        try await cache.clear()
    }

    @Test("several servers: writes go to the first, reads to the others")
    func readReplicas() async throws {
        try await TestRedisServer.with { replica in
            let namespace = "replicas-\(UUID().uuidString):"
            let backend = try RedisCacheBackend(configuration: .init(
                servers: [RedisEndpoint(url: sharedRedisURL), RedisEndpoint(url: replica.url)], client: Self.patient, namespace: namespace))
            let cache = Cache(backend: backend)
            let primary = try Self.rawClient()
            let secondary = try RedisClient(url: replica.url, configuration: Self.patient)
            defer { primary.close(); secondary.close(); backend.shutdown() }
            try await cache.set("k", "written")
            #expect(try await primary.send("GET", [.string(namespace + ":1:k")]).bytes == Array("swritten".utf8))
            // Not replicating: the replica does not have it, which shows where reads go.
            #expect(try await cache.get("k", as: String.self) == nil)
            _ = try await secondary.send("SET", [.string(namespace + ":1:k"), "sfrom the replica"])
            #expect(try await cache.get("k", as: String.self) == "from the replica")
            #expect(try await cache.hasKey("k"))
            _ = try await primary.send("DEL", [.string(namespace + ":1:k")])
        }
    }

    @Test("the server down: typed errors, never a crash; back up: the same cache works")
    func serverDown() async throws {
        try await TestRedisServer.with { server in
            let backend = try RedisCacheBackend(configuration: .init(
                servers: [RedisEndpoint(url: server.url)],
                client: .init(connectTimeout: .seconds(1), commandTimeout: .seconds(5))))
            let cache = Cache(backend: backend)
            defer { backend.shutdown() }
            try await cache.set("k", 1)
            await server.kill()
            do {
                _ = try await cache.get("k", as: Int.self)
                Issue.record("a read from a dead server succeeded")
            } catch let error as CacheError {
                guard case .unavailable(let name, .connectionRefused, let message) = error else { Issue.record("got \(error)"); return }
                #expect(name == "redis")
                #expect(message.contains("127.0.0.1:\(server.port)"))
            }
            try await server.start()
            try await cache.set("k", 2)
            #expect(try await cache.get("k", as: Int.self) == 2)
        }
    }
}
