import Caching
import CachingTestSupport
import Foundation
import NIOCore
import RedisCaching
import Testing

/// The Redis backend on the shared loopback Redis Cluster (7000-7005):
/// routing, multi-key calls over several slots, `clear` on every primary,
/// replica reads, settings, and the bad-input errors. A cluster that is not
/// running fails these tests.
@Suite("Redis Cluster", .timeLimit(.minutes(2)))
struct RedisClusterTests {
    typealias Support = RedisClusterTestSupport

    @Test("keys spread over every primary; getMany, setMany and deleteMany split by slot")
    func multiKey() async throws {
        try await Support.requireCluster(Support.sharedSeeds)
        let backend = try Support.backend(seeds: Support.sharedSeeds)
        defer { backend.shutdown() }
        let keys = (0..<300).map { "key-\($0)" }
        let failed = try await backend.setMany(keys.map { ($0, Support.value("v-\($0)")) }, lifetime: .seconds(60))
        #expect(failed.isEmpty)
        let found = try await backend.getMany(keys + ["missing"])
        #expect(found.count == keys.count)
        for key in keys { #expect(Support.text(found[key]) == "v-\(key)") }
        // Every primary holds some of them.
        let cluster = RedisClusterClient.forTesting(backend)
        let map = try #require(cluster?.slotMap)
        let owners = Set(keys.compactMap { map.shard(for: RedisClusterSlot.of(backend.configuration.namespace + $0))?.primary })
        #expect(owners.count == 3)
        #expect(try await backend.hasKey("key-7"))
    }

    @Test("increment, touch, add and delete route by key")
    func singleKey() async throws {
        try await Support.requireCluster(Support.sharedSeeds)
        let backend = try Support.backend(seeds: Support.sharedSeeds)
        defer { backend.shutdown() }
        for index in 0..<30 {
            let key = "n\(index)"
            #expect(try await backend.add(key, value: Support.value("5"), lifetime: .seconds(60)))
            #expect(try await !backend.add(key, value: Support.value("6"), lifetime: .seconds(60)))
            #expect(try await backend.increment(key, by: 2) == 7)
            #expect(try await backend.touch(key, lifetime: .forever))
            #expect(try await backend.delete(key))
            #expect(try await !backend.hasKey(key))
        }
        await #expect(throws: CacheError.self) { _ = try await backend.increment("absent", by: 1) }
    }

    @Test("deleteMany removes keys of every slot; hash-tagged keys share a slot")
    func deleteMany() async throws {
        try await Support.requireCluster(Support.sharedSeeds)
        let backend = try Support.backend(seeds: Support.sharedSeeds)
        defer { backend.shutdown() }
        let keys = (0..<100).map { "d\($0)" } + ["{user1}.a", "{user1}.b"]
        _ = try await backend.setMany(keys.map { ($0, Support.value("x")) }, lifetime: .forever)
        try await backend.deleteMany(keys)
        #expect(try await backend.getMany(keys).isEmpty)
    }

    @Test("clear deletes this namespace's keys on every primary, and only them")
    func clear() async throws {
        try await Support.requireCluster(Support.sharedSeeds)
        let mine = try Support.backend(seeds: Support.sharedSeeds)
        let other = try Support.backend(seeds: Support.sharedSeeds)
        defer { mine.shutdown(); other.shutdown() }
        let keys = (0..<200).map { "c\($0)" }
        _ = try await mine.setMany(keys.map { ($0, Support.value("m")) }, lifetime: .seconds(60))
        _ = try await other.setMany(keys.map { ($0, Support.value("o")) }, lifetime: .seconds(60))
        try await mine.clear()
        #expect(try await mine.getMany(keys).isEmpty)
        #expect(try await other.getMany(keys).count == keys.count)
        try await other.clear()
    }

    @Test("replica reads: READONLY connections to replicas serve the primaries' writes")
    func replicaReads() async throws {
        try await Support.requireCluster(Support.sharedSeeds)
        let backend = try Support.backend(seeds: Support.sharedSeeds, readFromReplicas: true)
        defer { backend.shutdown() }
        let keys = (0..<30).map { "r\($0)" }
        _ = try await backend.setMany(keys.map { ($0, Support.value("v\($0)")) }, lifetime: .seconds(60))
        // Replicas lag a little: read until they have caught up.
        var found: [String: CacheValue] = [:]
        for _ in 0..<100 {
            found = try await backend.getMany(keys)
            if found.count == keys.count { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(found.count == keys.count)
        #expect(Support.text(found["r3"]) == "vr3")
        // The replicas have clients of their own now (three primaries, three replicas).
        #expect(backend.breakers.count >= 6)
    }

    @Test("settings: cluster, seed nodes as host:port, and errors that name the fix")
    func settings() async throws {
        try await Support.requireCluster(Support.sharedSeeds)
        let caches = try RedisBackendTests.caches("""
            { "caches": { "default": { "backend": "redis", "keyPrefix": "cluster-settings-\(UUID().uuidString)",
                "location": ["127.0.0.1:7000", "redis://127.0.0.1:7001"], "options": { "cluster": true, "timeout": 10 } } } }
            """)
        try await caches.default.set("k", "v")
        #expect(try await caches.default.get("k", as: String.self) == "v")
        try await caches.default.clear()
        for (options, expected) in [
            (#"{ "cluster": true, "sentinels": ["127.0.0.1:26379"], "masterName": "m" }"#, "use one or the other"),
            (#"{ "readFromReplicas": true }"#, "Redis Cluster only"),
            (#"{ "masterName": "m" }"#, "needs 'sentinels'"),
            (#"{ "sentinels": ["127.0.0.1:26379"] }"#, "needs 'masterName'"),
            (#"{ "sentinels": ["nonsense"], "masterName": "m" }"#, "not host:port"),
        ] {
            #expect {
                _ = try RedisBackendTests.caches("""
                    { "caches": { "default": { "backend": "redis", "location": "127.0.0.1:7000", "options": \(options) } } }
                    """).default
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
        #expect {
            _ = try RedisBackendTests.caches("""
                { "caches": { "default": { "backend": "redis", "location": "redis://127.0.0.1:7000/3", "options": { "cluster": true } } } }
                """).default
        } throws: { error in
            "\(error)".contains("only database 0")
        }
    }

    @Test("no reachable seed: a typed error naming every seed, not a hang")
    func unreachableSeeds() async throws {
        let refusing = [try RefusingPort(), try RefusingPort()]
        defer { withExtendedLifetime(refusing) {} }
        let ports = refusing.map(\.port)
        // Refusals are instant, but a loaded machine can spend a second on the
        // first; the error must name both seeds, so leave time to try both.
        let backend = try Support.backend(seeds: ports, timeout: .seconds(5))
        defer { backend.shutdown() }
        do {
            _ = try await backend.get("k")
            Issue.record("a read with no reachable seed succeeded")
        } catch let error as CacheError {
            guard case .unavailable(_, _, let message) = error else { Issue.record("got \(error)"); return }
            for port in ports { #expect(message.contains("127.0.0.1:\(port)")) }
            #expect(message.contains("seed nodes"))
        }
    }

    @Test("a seed that is not a cluster node (the plain Redis on 6379): the error says so")
    func notACluster() async throws {
        let backend = try Support.backend(seeds: [6379], timeout: .seconds(10))
        defer { backend.shutdown() }
        do {
            _ = try await backend.get("k")
            Issue.record("a read through a non-cluster seed succeeded")
        } catch let error as CacheError {
            #expect("\(error)".contains("127.0.0.1:6379"))
            #expect("\(error)".contains("cluster support disabled"))
        }
    }

    @Test("a node that answers garbage: a typed error naming it")
    func garbage() async throws {
        let server = try await FakeRedisServer.start { _, _ in "this is not RESP\r\n" }
        defer { Task { await server.stop() } }
        let backend = try Support.backend(seeds: [server.port], timeout: .seconds(10))
        defer { backend.shutdown() }
        do {
            _ = try await backend.get("k")
            Issue.record("a read through a garbage-speaking seed succeeded")
        } catch let error as CacheError {
            guard case .unavailable(_, _, let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("127.0.0.1:\(server.port)"))
            #expect(message.contains("protocol"))
        }
    }

    @Test("a seed that accepts connections but never answers: a timeout naming it, not a hang")
    func silentSeed() async throws {
        let server = try await FakeRedisServer.start { _, _ in nil }
        defer { Task { await server.stop() } }
        let backend = try Support.backend(seeds: [server.port], timeout: .milliseconds(300))
        defer { backend.shutdown() }
        do {
            _ = try await backend.get("k")
            Issue.record("a read through a silent seed succeeded")
        } catch let error as CacheError {
            guard case .unavailable(_, _, let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("127.0.0.1:\(server.port)"))
            #expect(message.contains("did not answer in time"))
        }
    }

    @Test("a slot no node serves: a typed error naming the slot, after the timeout at most")
    func uncoveredSlot() async throws {
        let portBox = CacheLock(0)
        let server = try await FakeRedisServer.start { _, received in
            let text = String(buffer: received)
            if text.contains("SHARDS") { return "-ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP.\r\n" }
            if text.contains("SLOTS") {
                let port = portBox.withLock { $0 }
                return "*1\r\n*3\r\n:0\r\n:99\r\n*2\r\n$9\r\n127.0.0.1\r\n:\(port)\r\n"
            }
            return "+OK\r\n"
        }
        portBox.withLock { $0 = server.port }
        defer { Task { await server.stop() } }
        let backend = try Support.backend(seeds: [server.port], namespace: "", timeout: .seconds(10))
        defer { backend.shutdown() }
        do {
            _ = try await backend.get("foo")
            Issue.record("a read of a key in an uncovered slot succeeded")
        } catch let error as CacheError {
            guard case .unavailable(_, _, let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("slot 12182"))
        }
    }
}

extension RedisClusterClient {
    /// The cluster client under a cluster backend (for tests' inspection).
    static func forTesting(_ backend: RedisCacheBackend) -> RedisClusterClient? {
        backend.clusterClient
    }
}
