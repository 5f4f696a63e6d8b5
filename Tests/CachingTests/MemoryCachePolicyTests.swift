import Caching
import Foundation
import Testing

@Suite("Memory backend policies and shards")
struct MemoryCachePolicyTests {
    func backend(_ policy: MemoryCachePolicy, maxEntries: Int = 300, maxBytes: Int? = nil, shards: Int? = nil) -> MemoryCacheBackend {
        MemoryCacheBackend(
            location: "policy-" + UUID().uuidString,
            configuration: .init(maxEntries: maxEntries, maxBytes: maxBytes, clock: .monotonic, policy: policy, shards: shards))
    }

    @Test("a frequently read key survives a scan of one-hit keys under tinylfu, and not under lru",
          arguments: [MemoryCachePolicy.lru, .tinylfu])
    func scanResistance(policy: MemoryCachePolicy) async throws {
        let backend = backend(policy, maxEntries: 100)
        let cache = Cache(backend: backend)
        try await cache.set("hot", "value")
        for _ in 0..<20 { _ = try await cache.get("hot", as: String.self) }
        for index in 0..<1_000 {
            if try await cache.get("scan-\(index)", as: Int.self) == nil { try await cache.set("scan-\(index)", index) }
        }
        let kept = try await cache.get("hot", as: String.self) == "value"
        #expect(kept == (policy == .tinylfu))
        #expect(backend.count <= 100)
    }

    @Test("tinylfu never holds more than maxEntries, and a new key is kept when it is read often")
    func boundedByEntries() async throws {
        let backend = backend(.tinylfu, maxEntries: 50)
        let cache = Cache(backend: backend)
        for index in 0..<500 {
            try await cache.set("k\(index)", index)
            _ = try await cache.get("k\(index % 7)", as: Int.self)
            #expect(backend.count <= 50)
        }
        #expect(backend.count == 50)
        // k0...k6 are read on every round: the sketch keeps them.
        for index in 0..<7 { #expect(try await cache.get("k\(index)", as: Int.self) == index, "k\(index)") }
        #expect(backend.keysInRecencyOrder().count == backend.count)
    }

    @Test("tinylfu keeps a byte budget, and rejects a value over it", arguments: [MemoryCachePolicy.lru, .tinylfu])
    func boundedByBytes(policy: MemoryCachePolicy) async throws {
        let backend = backend(policy, maxEntries: 10_000, maxBytes: 2_000)
        let cache = Cache(backend: backend)
        for index in 0..<300 {
            try await cache.set("k\(index)", String(repeating: "x", count: 50 + index % 40))
            #expect(backend.totalBytes <= 2_000)
        }
        #expect(backend.count > 10)
        await #expect(throws: CacheError.self) { try await cache.set("huge", String(repeating: "h", count: 3_000)) }
        for key in backend.keysInRecencyOrder() { _ = try await backend.delete(key) }
        #expect(backend.count == 0)
        #expect(backend.totalBytes == 0)
    }

    @Test("the policy and shards come from the settings file")
    func settingsFile() throws {
        let caches = try Caches(settings: CacheSettings(json: Data("""
            {"caches": {"default": {"backend": "memory", "location": "\(UUID().uuidString)",
                                    "options": {"maxEntries": 5000, "policy": "TinyLFU", "shards": 4}}}}
            """.utf8)))
        let backend = try #require(caches.default.backend as? MemoryCacheBackend)
        #expect(backend.policy == .tinylfu)
        #expect(backend.shardCount == 4)
        #expect(backend.configuration.policy == .tinylfu)
    }

    @Test("a bad policy or shard count is an error that names the valid values", arguments: [
        (#"{"policy": "lfu"}"#, "caches.default.options.policy: 'lfu' is not a policy; the valid policies are 'lru' and 'tinylfu'"),
        (#"{"policy": 3}"#, "caches.default.options.policy: must be a string"),
        (#"{"shards": 3}"#, "caches.default.options.shards: must be a power of two from 1 to 256, not 3"),
        (#"{"shards": 0}"#, "caches.default.options.shards: must be a power of two from 1 to 256, not 0"),
    ])
    func badOptions(options: String, expected: String) {
        do {
            _ = try Caches(settings: CacheSettings(json: Data(#"{"caches": {"default": {"backend": "memory", "options": \#(options)}}}"#.utf8)))
            Issue.record("no error for \(options)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test("an alias asking for another policy on a location already open is an error, not a silent fallback")
    func conflictingPolicy() throws {
        let location = UUID().uuidString
        _ = MemoryCacheBackend(location: location, configuration: .init(policy: .lru))
        do {
            _ = try Caches(settings: CacheSettings(json: Data("""
                {"caches": {"default": {"backend": "memory", "location": "\(location)", "options": {"policy": "tinylfu"}}}}
                """.utf8)))
            Issue.record("no error for a conflicting policy")
        } catch {
            #expect("\(error)".contains("already open with policy 'lru'"), "\(error)")
        }
    }

    @Test("parsing a policy name from code")
    func parsing() throws {
        #expect(try MemoryCachePolicy(name: "LRU") == .lru)
        #expect(try MemoryCachePolicy(name: "tinylfu") == .tinylfu)
        #expect(throws: CacheConfigurationError("Unknown memory cache policy 'arc'; the valid policies are 'lru' and 'tinylfu'")) {
            try MemoryCachePolicy(name: "arc")
        }
    }

    @Test("the automatic shard count: one shard (Django's exact culling) for small stores")
    func automaticShards() {
        #expect(MemoryCacheBackend.Configuration(maxEntries: 300).shardCount == 1)
        #expect(MemoryCacheBackend.Configuration(maxEntries: 2_047).shardCount == 1)
        #expect(MemoryCacheBackend.Configuration(maxEntries: 2_048).shardCount == 2)
        #expect(MemoryCacheBackend.Configuration(maxEntries: 20_000).shardCount == 16)
        #expect(MemoryCacheBackend.Configuration(maxEntries: 20_000, maxBytes: 4 << 20).shardCount == 4)
        #expect(MemoryCacheBackend.Configuration(maxEntries: 20_000, shards: 1).shardCount == 1)
        #expect(MemoryCacheBackend.Configuration(maxEntries: 20_000, shards: 5).shardCount == 8)
    }

    @Test("many tasks hammering get, set, delete and increment leave consistent counts and bytes",
          arguments: [MemoryCachePolicy.lru, .tinylfu])
    func concurrency(policy: MemoryCachePolicy) async throws {
        let backend = backend(policy, maxEntries: 4_096, maxBytes: 1 << 18, shards: 8)
        #expect(backend.shardCount == 8)
        let cache = Cache(backend: backend)
        try await cache.set("counter", 0, timeout: .never)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<3_000 {
                        let key = "k\((index &* 31 &+ task &* 977) % 6_000)"
                        switch index % 5 {
                        case 0: _ = try await cache.delete(key)
                        case 1, 2: try await cache.set(key, String(repeating: "v", count: index % 97))
                        default: _ = try await cache.get(key, as: String.self)
                        }
                        if index % 100 == 0 { _ = try? await cache.increment("counter") }
                        if index % 50 == 0 {
                            #expect(backend.totalBytes <= 1 << 18)
                            // The memory backend never suspends: without this,
                            // eight such loops hold every thread of the task
                            // pool for seconds and stall the other suites'
                            // network calls past their timeouts.
                            await Task.yield()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(backend.count <= 4_096)
        #expect(backend.totalBytes <= 1 << 18)
        let keys = backend.keysInRecencyOrder()
        #expect(keys.count == backend.count)
        #expect(Set(keys).count == keys.count)
        for key in keys { _ = try await backend.delete(key) }
        #expect(backend.count == 0)
        #expect(backend.totalBytes == 0)
    }

    @Test("a sharded store spreads keys over its shards and still serves every operation")
    func shardedStore() async throws {
        let backend = backend(.lru, maxEntries: 100_000)
        #expect(backend.shardCount == 16)
        let cache = Cache(backend: backend)
        for index in 0..<1_000 { try await cache.set("k\(index)", index) }
        #expect(backend.count == 1_000)
        #expect(try await cache.getMany((0..<10).map { "k\($0)" }, as: Int.self).count == 10)
        #expect(try await cache.add("k1", 5) == false)
        #expect(try await cache.increment("k2", by: 3) == 5)
        #expect(try await cache.delete("k3"))
        try await cache.clear()
        #expect(backend.count == 0)
    }

    @Test("with shards, each keeps maxBytes / shards, and one value may take at most that")
    func shardedByteLimit() async throws {
        let backend = backend(.lru, maxEntries: 100_000, maxBytes: 4 << 20)
        #expect(backend.shardCount == 4)
        let cache = Cache(backend: backend)
        try await cache.set("fits", String(repeating: "x", count: 900_000))
        do {
            try await cache.set("big", String(repeating: "x", count: 1_500_000))
            Issue.record("a value over one shard's budget was stored")
        } catch CacheError.valueTooLarge(let key, _, let limit) {
            #expect(key == ":1:big")
            #expect(limit == 1 << 20)
        }
        #expect(try await cache.get("fits", as: String.self)?.count == 900_000)
    }

    @Test("a sharded lru store culls each shard on its own and stays within maxEntries")
    func shardedCulling() async throws {
        let backend = backend(.lru, maxEntries: 4_096)
        #expect(backend.shardCount == 4)
        let cache = Cache(backend: backend)
        for index in 0..<20_000 { try await cache.set("k\(index)", index) }
        #expect(backend.count <= 4_096)
        #expect(backend.count > 4_096 / 2)
        // The most recent key is always kept.
        #expect(try await cache.get("k19999", as: Int.self) == 19_999)
    }
}
