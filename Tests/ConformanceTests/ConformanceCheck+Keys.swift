import Caching
import CachingTestSupport
import Testing

extension ConformanceCheck {
    /// Asserts that every operation on `key` reports `message`: as a logged
    /// warning on tolerant backends, as ``CacheError/invalidKey(_:)`` on memcached.
    static func expectKeyProblem(_ fixture: BackendFixture, key: String, message: String,
                                 configure: @escaping (inout FixtureOptions) -> Void = { _ in }) async throws {
        let capture = LogCapture()
        let cache = try await fresh(fixture) { options in
            options.logger = capture.logger
            configure(&options)
        }
        let operations: [(String, () async throws -> Void)] = [
            ("add", { _ = try await cache.add(key, 1) }),
            ("get", { _ = try await cache.get(key, as: Int.self) }),
            ("set", { try await cache.set(key, 1) }),
            // Only a missing key is tolerated: `try?` would also swallow the
            // invalidKey error a rejecting backend must throw.
            ("incr", { do { _ = try await cache.increment(key) } catch CacheError.keyNotFound {} }),
            ("touch", { _ = try await cache.touch(key) }),
            ("delete", { _ = try await cache.delete(key) }),
            ("getMany", { _ = try await cache.getMany([key, "b"], as: Int.self) }),
            ("setMany", { _ = try await cache.setMany([key: 1, "b": 2]) }),
            ("deleteMany", { try await cache.deleteMany([key, "b"]) }),
        ]
        for (operation, body) in operations {
            capture.reset()
            if fixture.rejectsInvalidKeys {
                do {
                    try await body()
                    Issue.record("\(operation) accepted an invalid key")
                } catch CacheError.invalidKey(let text) {
                    #expect(text == message, "\(operation)")
                }
            } else {
                try await body()
                #expect(capture.warnings.contains(message), "\(operation): \(capture.warnings)")
            }
        }
    }

    static let keys: [ConformanceCheck] = [
        ConformanceCheck(name: "keys with spaces warn or fail, on every operation") { fixture in
            let key = "key with spaces and 清"
            try await expectKeyProblem(
                fixture, key: key,
                message: "Cache key contains characters that will cause errors if used with memcached: ':1:\(key)'")
        },
        ConformanceCheck(name: "keys longer than 250 characters warn or fail") { fixture in
            let key = String(repeating: "a", count: 250) + "清"
            try await expectKeyProblem(
                fixture, key: key,
                message: "Cache key will cause errors if used with memcached: ':1:\(key)' (longer than 250)")
        },
        ConformanceCheck(name: "validation sees the key function's final key") { fixture in
            let key = String(repeating: "k", count: 249)
            try await expectKeyProblem(
                fixture, key: key,
                message: "Cache key will cause errors if used with memcached: '\(key):1' (longer than 250)"
            ) { options in
                options.keyFunction = CacheKeyFunction { key, _, _ in key + ":1" }
            }
        },
        ConformanceCheck(name: "custom key functions separate caches") { fixture in
            let token = freshStoreToken()
            let plain = try await fixture.cache(FixtureOptions(store: token))
            let custom = try await fixture.cache(FixtureOptions(
                store: token, keyFunction: CacheKeyFunction { key, prefix, version in "CUSTOM-\(prefix)-\(version)-\(key)" }))
            try await plain.set("answer1", 42)
            #expect(try await plain.get("answer1", as: Int.self) == 42)
            #expect(try await custom.get("answer1", as: Int.self) == nil)
            try await custom.set("answer2", 42)
            #expect(try await plain.get("answer2", as: Int.self) == nil)
            #expect(try await custom.get("answer2", as: Int.self) == 42)
        },
    ]

    static let versions: [ConformanceCheck] = [
        ConformanceCheck(name: "versions separate get and set") { fixture in
            let token = freshStoreToken()
            let v1 = try await fixture.cache(FixtureOptions(store: token))
            let v2 = try await fixture.cache(FixtureOptions(store: token, version: 2))
            try await v1.set("answer1", 42)
            #expect(try await v1.get("answer1", as: Int.self) == 42)
            #expect(try await v1.get("answer1", as: Int.self, version: 1) == 42)
            #expect(try await v1.get("answer1", as: Int.self, version: 2) == nil)
            #expect(try await v2.get("answer1", as: Int.self) == nil)
            #expect(try await v2.get("answer1", as: Int.self, version: 1) == 42)
            try await v1.set("answer2", 42, version: 2)
            #expect(try await v1.get("answer2", as: Int.self) == nil)
            #expect(try await v2.get("answer2", as: Int.self) == 42)
            try await v2.set("answer3", 42, version: 1)
            #expect(try await v1.get("answer3", as: Int.self) == 42)
            #expect(try await v2.get("answer3", as: Int.self) == nil)
        },
        ConformanceCheck(name: "versions separate add, hasKey, delete and increment") { fixture in
            let token = freshStoreToken()
            let v1 = try await fixture.cache(FixtureOptions(store: token))
            let v2 = try await fixture.cache(FixtureOptions(store: token, version: 2))
            #expect(try await v1.add("answer", 37, version: 2))
            #expect(try await v1.add("answer", 42) )
            #expect(try await v1.add("answer", 99, version: 2) == false)
            #expect(try await v2.get("answer", as: Int.self) == 37)
            #expect(try await v1.hasKey("answer", version: 2))
            #expect(try await v2.hasKey("answer", version: 1))
            #expect(try await v1.delete("answer", version: 2))
            #expect(try await v2.hasKey("answer") == false)
            #expect(try await v1.get("answer", as: Int.self) == 42)
            #expect(try await v1.increment("answer", version: 1) == 43)
            await #expect(throws: CacheError.self) { try await v1.increment("answer", version: 2) }
            #expect(try await v2.decrement("answer", version: 1) == 42)
        },
        ConformanceCheck(name: "versions separate getMany and setMany") { fixture in
            let token = freshStoreToken()
            let v1 = try await fixture.cache(FixtureOptions(store: token))
            let v2 = try await fixture.cache(FixtureOptions(store: token, version: 2))
            try await v1.setMany(["ford1": 37, "arthur1": 42])
            #expect(try await v1.getMany(["ford1", "arthur1"], as: Int.self) == ["ford1": 37, "arthur1": 42])
            #expect(try await v1.getMany(["ford1", "arthur1"], as: Int.self, version: 2).isEmpty)
            #expect(try await v2.getMany(["ford1", "arthur1"], as: Int.self).isEmpty)
            #expect(try await v2.getMany(["ford1", "arthur1"], as: Int.self, version: 1) == ["ford1": 37, "arthur1": 42])
            try await v1.setMany(["ford2": 37, "arthur2": 42], version: 2)
            #expect(try await v2.getMany(["ford2", "arthur2"], as: Int.self) == ["ford2": 37, "arthur2": 42])
        },
        ConformanceCheck(name: "incrementVersion and decrementVersion move values") { fixture in
            let cache = try await fresh(fixture) { $0.version = 2 }
            try await cache.set("answer", 42)
            #expect(try await cache.incrementVersion("answer") == 3)
            #expect(try await cache.get("answer", as: Int.self) == nil)
            #expect(try await cache.get("answer", as: Int.self, version: 2) == nil)
            #expect(try await cache.get("answer", as: Int.self, version: 3) == 42)
            #expect(try await cache.decrementVersion("answer", version: 3) == 2)
            #expect(try await cache.get("answer", as: Int.self) == 42)
            #expect(try await cache.get("answer", as: Int.self, version: 3) == nil)
            await #expect(throws: CacheError.self) { try await cache.incrementVersion("does_not_exist") }
            try await cache.set("null", Int?.none)
            #expect(try await cache.incrementVersion("null") == 3)
            #expect(try await cache.get("null", as: Int?.self, version: 3) == .some(nil))
        },
    ]

    static let getOrSet: [ConformanceCheck] = [
        ConformanceCheck(name: "getOrSet stores the default and returns stored values") { fixture in
            let cache = try await fresh(fixture)
            #expect(try await cache.get("projector", as: Int.self) == nil)
            #expect(try await cache.getOrSet("projector", default: 42) == 42)
            #expect(try await cache.get("projector", as: Int.self) == 42)
            #expect(try await cache.getOrSet("projector", default: 7) == 42)
            #expect(try await cache.getOrSet("null", default: String?.none) == nil)
            #expect(try await cache.get("null", default: "default" as String?) == nil)
        },
        ConformanceCheck(name: "getOrSet calls its closure once, only on a miss") { fixture in
            let cache = try await fresh(fixture)
            let calls = Counter()
            #expect(try await cache.getOrSet("mykey") { calls.bump(); return "value" } == "value")
            #expect(try await cache.getOrSet("mykey") { calls.bump(); return "other" } == "value")
            #expect(calls.value == 1)
        },
        ConformanceCheck(name: "getOrSet honours versions") { fixture in
            let cache = try await fresh(fixture)
            #expect(try await cache.getOrSet("brian", default: 1979, version: 2) == 1979)
            #expect(try await cache.get("brian", as: Int.self) == nil)
            #expect(try await cache.get("brian", as: Int.self, version: 2) == 1979)
            #expect(try await cache.getOrSet("brian", default: 42, version: 2) == 1979)
        },
        ConformanceCheck(name: "racing getOrSet calls all see the winner") { fixture in
            let cache = try await fresh(fixture)
            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for candidate in 0..<16 {
                    group.addTask { try await cache.getOrSet("race") { candidate } }
                }
                var seen: [Int] = []
                for try await value in group { seen.append(value) }
                return seen
            }
            let stored = try #require(try await cache.get("race", as: Int.self))
            #expect(results.allSatisfy { $0 == stored })
        },
    ]

    static let culling: [ConformanceCheck] = [
        ConformanceCheck(name: "culling keeps Django's counts") { fixture in
            guard fixture.culling != nil else { return }
            let cache = try await fresh(fixture) { $0.maxEntries = 30 }
            for index in 1..<50 { try await cache.set("cull\(index)", "value", timeout: 1000) }
            var live = 0
            for index in 1..<50 where try await cache.hasKey("cull\(index)") { live += 1 }
            #expect(live == 29)
        },
        ConformanceCheck(name: "zero cull frequency clears the store") { fixture in
            guard let style = fixture.culling else { return }
            let cache = try await fresh(fixture) { $0.maxEntries = 30; $0.cullFrequency = 0 }
            for index in 1..<50 { try await cache.set("cull\(index)", "value", timeout: 1000) }
            var live = 0
            for index in 1..<50 where try await cache.hasKey("cull\(index)") { live += 1 }
            #expect(live == (style == .database ? 18 : 19))
        },
        ConformanceCheck(name: "maxEntries -1 still keeps the new key") { fixture in
            guard fixture.culling != nil else { return }
            let cache = try await fresh(fixture) { $0.maxEntries = -1 }
            try await cache.set("key", "value")
            #expect(try await cache.get("key", as: String.self) == "value")
        },
    ]
}

/// A thread-safe call counter for closures in checks.
final class Counter: Sendable {
    private let count = CacheLock(0)
    var value: Int { count.withLock { $0 } }
    func bump() { count.withLock { $0 += 1 } }
}

import Synchronization
