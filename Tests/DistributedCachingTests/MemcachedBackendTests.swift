import CachingTestSupport
import Caching
import Foundation
import MemcachedCaching
import Testing

/// The memcached backend's own behaviours beyond the conformance suite, on
/// memcached servers each test starts for itself (the suite's shared servers
/// are flushed by its `clear` checks).
@Suite("Memcached backend")
struct MemcachedBackendTests {
    @Test("several servers act as one cache; each key lives on its ketama server")
    func severalServers() async throws {
        try await MemcachedTestServer.withPair { first, second in
            let both = try MemcachedTesting.backend([first.location, second.location])
            let cache = MemcachedTesting.cache(both)
            var entries: [String: Int] = [:]
            for index in 0..<200 { entries["key\(index)"] = index }
            #expect(try await cache.setMany(entries).isEmpty)
            #expect(try await cache.getMany(Array(entries.keys), as: Int.self) == entries)

            // Each server alone holds exactly the keys the ring gives it.
            let ring = KetamaRing(names: [first.location, second.location])
            let onlyFirst = MemcachedTesting.cache(try MemcachedTesting.backend([first.location]))
            let onFirst = try await onlyFirst.getMany(Array(entries.keys), as: Int.self)
            let expected = entries.filter { ring.server(for: cache.makeKey($0.key)) == 0 }
            #expect(onFirst == expected)
            #expect(expected.count > 40 && expected.count < 160, "\(expected.count) of 200 on the first server")

            try await cache.deleteMany(Array(entries.keys.prefix(150)))
            #expect(try await cache.getMany(Array(entries.keys), as: Int.self).count == 50)
            try await cache.clear()
            #expect(try await cache.getMany(Array(entries.keys), as: Int.self).isEmpty)
            try await both.close()
        }
    }

    @Test("increments are exact where memcached's counters are not")
    func exactIncrements() async throws {
        try await MemcachedTestServer.with { server in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([server.location]))
            // memcached pads a shortened number with spaces ("10" -> "9 ").
            try await cache.set("n", 10)
            #expect(try await cache.decrement("n") == 9)
            #expect(try await cache.get("n", as: Int.self) == 9)
            #expect(try await cache.getMany(["n"], as: Int.self) == ["n": 9])
            // Below zero, where memcached's decr stops at 0.
            #expect(try await cache.decrement("n", by: 14) == -5)
            #expect(try await cache.get("n", as: Int.self) == -5)
            // From a negative number, which memcached's incr calls non-numeric.
            #expect(try await cache.increment("n", by: 2) == -3)
            #expect(try await cache.increment("n", by: 10) == 7)
            #expect(try await cache.get("n", as: Int.self) == 7)
            // Overflow is an error, and the value is unchanged.
            try await cache.set("big", Int.max - 1)
            #expect(try await cache.increment("big") == Int.max)
            await #expect(throws: CacheError.integerOverflow(key: ":1:big")) { try await cache.increment("big") }
            #expect(try await cache.get("big", as: Int.self) == Int.max)
            try await cache.set("small", Int.min)
            await #expect(throws: CacheError.integerOverflow(key: ":1:small")) { try await cache.decrement("small") }
            #expect(try await cache.get("small", as: Int.self) == Int.min)
            // Not an integer; missing.
            try await cache.set("text", "12 apples")
            await #expect(throws: CacheError.notAnInteger(key: ":1:text")) { try await cache.increment("text") }
            await #expect(throws: CacheError.notAnInteger(key: ":1:text")) { try await cache.decrement("text") }
            await #expect(throws: CacheError.keyNotFound(key: ":1:missing")) { try await cache.decrement("missing") }
        }
    }

    @Test("increments keep the entry's expiry, on both paths")
    func incrementsKeepExpiry() async throws {
        try await MemcachedTestServer.with { server in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([server.location]))
            // memcached's N-second lifetime ends between N-1 and N seconds
            // after the store: 8 s leaves the increments 7 s to happen in (a
            // loaded machine), and the check waits more than a second past 8.
            try await cache.set("up", 5, timeout: 8)
            try await cache.set("down", 5, timeout: 8)
            #expect(try await cache.increment("up") == 6)
            #expect(try await cache.decrement("down", by: 10) == -5)
            try await Task.sleep(for: .seconds(9.2))
            #expect(try await cache.get("up", as: Int.self) == nil)
            #expect(try await cache.get("down", as: Int.self) == nil)
        }
    }

    @Test("concurrent increments and decrements lose no update")
    func atomicCounters() async throws {
        try await MemcachedTestServer.with { server in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([server.location]))
            try await cache.set("counter", 0, timeout: .never)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for _ in 0..<25 {
                            // Half the workers go through memcached's incr, half
                            // through the compare-and-swap path (below zero too).
                            if worker.isMultiple(of: 2) {
                                try await cache.increment("counter", by: 3)
                            } else {
                                try await cache.decrement("counter", by: 5)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await cache.get("counter", as: Int.self) == 4 * 25 * 3 - 4 * 25 * 5)
        }
    }

    @Test("an over-size value is valueTooLarge, and the old value is gone")
    func overSizeValue() async throws {
        // 1 KiB items: memcached's smallest item size limit.
        try await MemcachedTestServer.with(arguments: ["-I", "1k", "-o", "slab_chunk_max=1024"]) { server in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([server.location]))
            let big = String(repeating: "x", count: 4_000)
            try await cache.set("page", "old")
            do {
                try await cache.set("page", big)
                Issue.record("an over-size value was stored")
            } catch CacheError.valueTooLarge(let key, let size, let limit) {
                #expect(key == ":1:page")
                #expect(size == 4_001)
                #expect(limit == 1_024)
            }
            #expect(try await cache.get("page", as: String.self) == nil)
            // add: an error too, and nothing stored.
            await #expect(throws: CacheError.self) { try await cache.add("fresh", big) }
            #expect(try await cache.hasKey("fresh") == false)
            // setMany: the failed keys are returned, their old values deleted,
            // the others stored.
            try await cache.set("a", "old a")
            let failed = try await cache.setMany(["a": big, "b": "small", "c": big])
            #expect(Set(failed) == ["a", "c"])
            #expect(try await cache.get("a", as: String.self) == nil)
            #expect(try await cache.get("b", as: String.self) == "small")
            // The connection is still in step.
            try await cache.set("after", "fine")
            #expect(try await cache.get("after", as: String.self) == "fine")
        }
    }

    @Test("large and binary values round-trip")
    func largeValues() async throws {
        try await MemcachedTestServer.with { server in
            // Half a megabyte each way through a debug build's decoder, while
            // every other suite runs: a generous timeout (a rehearsal timed out at 5 s).
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([server.location], timeout: .seconds(30)))
            let bytes = (0..<500_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) }
            try await cache.set("blob", bytes)
            #expect(try await cache.get("blob", as: [UInt8].self) == bytes)
            let crlf: [UInt8] = Array("VA 3\r\nEN\r\nMN\r\n".utf8)
            try await cache.set("protocol-looking", crlf)
            #expect(try await cache.getMany(["protocol-looking", "blob"], as: [UInt8].self) == ["protocol-looking": crlf, "blob": bytes])
        }
    }

    @Test("concurrent requests pipeline on one connection per server")
    func pipelining() async throws {
        try await MemcachedTestServer.withPair { first, second in
            let backend = try MemcachedTesting.backend([first.location, second.location], connectionsPerServer: 1)
            let cache = MemcachedTesting.cache(backend)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        try await cache.set("k\(index)", "value \(index)")
                        let found = try await cache.get("k\(index)", as: String.self)
                        if found != "value \(index)" { Issue.record("k\(index) read \(String(describing: found))") }
                    }
                }
                try await group.waitForAll()
            }
            let keys = (0..<2_000).map { "k\($0)" }
            let found = try await cache.getMany(keys, as: String.self)
            #expect(found.count == 500)
            #expect(found["k499"] == "value 499")
        }
    }

    @Test("timeouts go on the wire as Django sends them")
    func expiryOnTheWire() async throws {
        try await FakeMemcachedServer.with(respond: { _, line in
            line.hasPrefix("ms ") ? .reply("HD\r\n") : line.hasPrefix("mg ") ? .reply("HD\r\n") : nil
        }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([fake.location]))
            let thirtyDays = 60 * 60 * 24 * 30
            try await cache.set("forever", 1, timeout: .never)
            try await cache.set("zero", 1, timeout: 0)
            try await cache.set("negative", 1, timeout: -5)
            try await cache.set("fraction", 1, timeout: 100.2)
            try await cache.set("half", 1, timeout: 0.5)
            try await cache.set("thirty-days", 1, timeout: .seconds(Double(thirtyDays)))
            let before = Int(Date().timeIntervalSince1970)
            try await cache.set("long", 1, timeout: .seconds(Double(thirtyDays + 1)))
            let after = Int(Date().timeIntervalSince1970)
            _ = try await cache.add("added", 1, timeout: 60)
            _ = try await cache.touch("touched", timeout: 0)
            let lines = fake.lines
            #expect(lines.contains("ms :1:forever 1 T0"))
            #expect(lines.contains("ms :1:zero 1 T-1"))
            #expect(lines.contains("ms :1:negative 1 T-1"))
            #expect(lines.contains("ms :1:fraction 1 T101"))
            #expect(lines.contains("ms :1:half 1 T1"))
            #expect(lines.contains("ms :1:thirty-days 1 T\(thirtyDays)"))
            #expect(lines.contains("ms :1:added 1 T60 ME"))
            #expect(lines.contains("mg :1:touched T-1"))
            let long = lines.first { $0.hasPrefix("ms :1:long ") }
            let absolute = long.flatMap { Int($0.split(separator: "T").last ?? "") } ?? 0
            #expect(absolute >= before + thirtyDays + 1 && absolute <= after + thirtyDays + 1, "\(String(describing: long))")
        }
    }

    @Test("invalid keys are rejected before any I/O")
    func invalidKeys() async throws {
        // Nothing listens on this port: a key that reached the network would
        // fail with a server error instead.
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let cache = MemcachedTesting.cache(try MemcachedTesting.backend(["127.0.0.1:\(port)"]))
        let wide = String(repeating: "清", count: 100)   // 100 characters, 300 bytes
        let cases: [(String, String)] = [
            ("with space", "Cache key contains characters that will cause errors if used with memcached: ':1:with space'"),
            ("tab\there", "Cache key contains characters that will cause errors if used with memcached: ':1:tab\there'"),
            ("del\u{7F}", "Cache key contains characters that will cause errors if used with memcached: ':1:del\u{7F}'"),
            (String(repeating: "a", count: 248), "Cache key will cause errors if used with memcached: ':1:\(String(repeating: "a", count: 248))' (longer than 250)"),
            (wide, "Cache key will cause errors if used with memcached: ':1:\(wide)' (longer than 250)"),
        ]
        for (key, message) in cases {
            await #expect(throws: CacheError.invalidKey(message)) { try await cache.set(key, 1) }
            await #expect(throws: CacheError.invalidKey(message)) { try await cache.get(key, as: Int.self) }
            await #expect(throws: CacheError.invalidKey(message)) { try await cache.getMany(["fine", key], as: Int.self) }
            await #expect(throws: CacheError.invalidKey(message)) { try await cache.increment(key) }
        }
        // 247 characters plus ":1:" is exactly 250: allowed (and fails only for want of a server).
        await #expect(throws: CacheError.self) { try await cache.set(String(repeating: "a", count: 247), 1) }
        do {
            try await cache.set(String(repeating: "a", count: 247), 1)
        } catch let error as CacheError {
            #expect(error.isServerFailure, "\(error)")
        }
        // A key function that makes an empty key.
        let empty = Cache(backend: try MemcachedTesting.backend(["127.0.0.1:\(port)"]), keyFunction: CacheKeyFunction { _, _, _ in "" })
        await #expect(throws: CacheError.invalidKey("Cache key contains characters that will cause errors if used with memcached: ''")) {
            try await empty.set("anything", 1)
        }
    }

    @Test("settings make the backend: server lists, Django's names, checked options")
    func settings() async throws {
        try await MemcachedTestServer.withPair { first, second in
            var registry = CacheBackendRegistry.standard
            registry.registerMemcachedBackend()
            for (backend, location, count) in [
                ("memcached", "\(first.location);\(second.location)", 2),
                ("django.core.cache.backends.memcached.PyMemcacheCache", "\(first.location),\(second.location)", 2),
                ("django.core.cache.backends.memcached.PyLibMCCache", first.location, 1),
            ] {
                let options: [String: JSONValue] = [
                    // The timeout bounds the whole call, the first connect included:
                    // 10 s, for a loaded machine (in miss mode a slow store is dropped).
                    "connectTimeout": .number(2), "timeout": .number(10), "failureMode": .string("miss"),
                    "connectionsPerServer": .number(1), "retryInterval": .number(0),
                ]
                let settings = CacheSettings(caches: ["default": CacheConfiguration(
                    backend: backend, location: location, keyPrefix: "settings", options: options)])
                let cache = try Caches(settings: settings, registry: registry).default
                let memcached = try #require(cache.backend as? MemcachedCacheBackend)
                #expect(memcached.configuration.servers.count == count)
                #expect(memcached.configuration.failureMode == .miss)
                #expect(memcached.configuration.timeout == .seconds(10))
                #expect(memcached.configuration.connectionsPerServer == 1)
                try await cache.set("k", backend)
                #expect(try await cache.get("k", as: String.self) == backend)
            }
            func configurationError(_ location: String, _ options: [String: JSONValue]) -> String? {
                let settings = CacheSettings(caches: ["default": CacheConfiguration(backend: "memcached", location: location, options: options)])
                do {
                    _ = try Caches(settings: settings, registry: registry).default
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            #expect(configurationError("", [:])?.contains("location") == true)
            #expect(configurationError("host:99999", [:])?.contains("port") == true)
            #expect(configurationError(first.location, ["failureMode": .string("ignore")])?.contains("failureMode") == true)
            #expect(configurationError(first.location, ["timeout": .number(0)])?.contains("timeout") == true)
            #expect(configurationError(first.location, ["connectionsPerServer": .number(0)])?.contains("connectionsPerServer") == true)
            #expect(configurationError(first.location, ["maxEntries": .number(10)])?.contains("unknown option \"maxEntries\"") == true)
            #expect(configurationError(first.location, ["timeout": .string("fast")])?.contains("timeout") == true)
        }
    }
}

extension MemcachedBackendTests {
    @Test("a backend with no servers fails with an error, not a crash")
    func noServers() async throws {
        let cache = Cache(backend: MemcachedCacheBackend(configuration: .init(servers: [])))
        await #expect(throws: CacheError.self) { try await cache.get("k", as: Int.self) }
        await #expect(throws: CacheError.self) { try await cache.getMany(["a", "b"], as: Int.self) }
        await #expect(throws: CacheError.self) { try await cache.setMany(["a": 1]) }
        try await cache.clear()
    }
}

extension MemcachedBackendTests {
    @Test("a server on a Unix domain socket, written unix:/path as pylibmc takes it")
    func unixSocket() async throws {
        try await MemcachedTestServer.withUnixSocket { path in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend(["unix:\(path)"]))
            try await cache.set("over", "a socket")
            #expect(try await cache.get("over", as: String.self) == "a socket")
            #expect(try await cache.getMany(["over", "missing"], as: String.self) == ["over": "a socket"])
        }
    }
}
