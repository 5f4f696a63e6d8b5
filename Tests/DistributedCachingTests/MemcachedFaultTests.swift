import CachingTestSupport
import Caching
import MemcachedCaching
import Synchronization
import Testing

/// Servers that are down, die mid-run, come back, never answer or answer
/// nonsense. Every test starts its own memcached processes (or a fake server)
/// and kills them at will. The time limits only catch hangs; no test asserts
/// how long anything took.
@Suite("Memcached faults", .timeLimit(.minutes(2)))
struct MemcachedFaultTests {
    @Test("an unreachable server is a typed error, never a hang")
    func unreachable() async throws {
        // Refused: nothing listens on the port.
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let refused = MemcachedTesting.cache(try MemcachedTesting.backend(["127.0.0.1:\(port)"], connectTimeout: .milliseconds(500)))
        for _ in 0..<3 {
            do {
                _ = try await refused.get("k", as: Int.self)
                Issue.record("a get from a server that is not there succeeded")
            } catch let error as CacheError {
                #expect(error.isServerFailure, "\(error)")
                #expect("\(error)".contains("127.0.0.1:\(port)"), "the error names the server: \(error)")
            }
        }
        // Unroutable (TEST-NET-1, RFC 5737): a connect timeout, or "unreachable"
        // where the network says so at once.
        let blackhole = MemcachedTesting.cache(try MemcachedTesting.backend(["192.0.2.1:11211"], connectTimeout: .milliseconds(300)))
        do {
            try await blackhole.set("k", 1)
            Issue.record("a set to an unroutable address succeeded")
        } catch let error as CacheError {
            #expect(error.isServerFailure, "\(error)")
        }
        // A host name that does not resolve.
        let nowhere = MemcachedTesting.cache(try MemcachedTesting.backend(["no-such-host.invalid:11211"]))
        await #expect(throws: CacheError.self) { try await nowhere.delete("k") }
    }

    @Test("a server killed mid-run gives errors, and the client recovers when it returns")
    func killAndRestart() async throws {
        try await MemcachedTestServer.with { server in
            let backend = try MemcachedTesting.backend([server.location], connectionsPerServer: 2)
            let cache = MemcachedTesting.cache(backend)
            try await cache.set("before", "kill")
            #expect(try await cache.get("before", as: String.self) == "kill")

            // Traffic from several tasks while the server dies: every call ends,
            // with its result or a CacheError (anything else fails the test).
            let traffic = Traffic()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var index = 0
                        while traffic.failedAfterKill.load(ordering: .relaxed) < 30 {
                            index += 1
                            do {
                                try await cache.set("w\(worker)-\(index)", index)
                                _ = try await cache.get("w\(worker)-\(index)", as: Int.self)
                                traffic.succeeded.add(1, ordering: .relaxed)
                            } catch let error as CacheError {
                                #expect(error.isServerFailure, "\(error)")
                                if traffic.killed.load(ordering: .relaxed) { traffic.failedAfterKill.add(1, ordering: .relaxed) }
                            }
                            await Task.yield()
                        }
                    }
                }
                while traffic.succeeded.load(ordering: .relaxed) < 100 { try await Task.sleep(for: .milliseconds(5)) }
                server.kill()
                traffic.killed.store(true, ordering: .relaxed)
                try await group.waitForAll()
            }

            // Down: typed errors.
            for _ in 0..<3 {
                await #expect(throws: CacheError.self) { try await cache.get("before", as: String.self) }
            }

            // Back (empty, as a restarted memcached is): the same backend recovers by itself.
            try await server.start()
            let recovered = await MemcachedTesting.eventually {
                try await cache.set("after", "restart")
            }
            #expect(recovered)
            #expect(try await cache.get("after", as: String.self) == "restart")
            #expect(try await cache.get("before", as: String.self) == nil)
            try await backend.close()
        }
    }

    @Test("with one of two servers dead in miss mode, only its keys are misses")
    func missMode() async throws {
        try await MemcachedTestServer.withPair { live, dead in
            let log = LogCapture()
            let backend = try MemcachedTesting.backend([live.location, dead.location], failureMode: .miss, logger: log.logger)
            let cache = MemcachedTesting.cache(backend)
            let ring = KetamaRing(names: [live.location, dead.location])
            let keys = (0..<100).map { "key\($0)" }
            let liveKeys = keys.filter { ring.server(for: cache.makeKey($0)) == 0 }
            let deadKeys = keys.filter { ring.server(for: cache.makeKey($0)) == 1 }
            #expect(!liveKeys.isEmpty && !deadKeys.isEmpty)
            try await cache.setMany(Dictionary(uniqueKeysWithValues: keys.map { ($0, $0) }))

            dead.kill()

            // Reads: the dead server's keys are misses, the live server's are not.
            let found = try await cache.getMany(keys, as: String.self)
            #expect(Set(found.keys) == Set(liveKeys))
            let deadKey = try #require(deadKeys.first)
            let liveKey = try #require(liveKeys.first)
            #expect(try await cache.get(deadKey, as: String.self) == nil)
            #expect(try await cache.get(liveKey, as: String.self) == liveKey)
            #expect(try await cache.hasKey(deadKey) == false)

            // Writes to the dead server are dropped, with a warning.
            try await cache.set(deadKey, "dropped")
            #expect(try await cache.add(deadKey, "dropped") == false)
            #expect(try await cache.touch(deadKey) == false)
            #expect(try await cache.delete(deadKey) == false)
            await #expect(throws: CacheError.keyNotFound(key: ":1:\(deadKey)")) { try await cache.increment(deadKey) }
            let failed = try await cache.setMany(Dictionary(uniqueKeysWithValues: keys.map { ($0, "again") }))
            #expect(Set(failed) == Set(deadKeys))
            try await cache.deleteMany(keys)
            #expect(try await cache.getMany(keys, as: String.self).isEmpty)
            try await cache.clear()
            #expect(log.warnings.contains { $0.contains("dropped") }, "\(log.warnings)")

            // The live server's keys work as ever.
            try await cache.set(liveKey, "still here")
            #expect(try await cache.get(liveKey, as: String.self) == "still here")

            // The dead server returns: its keys work again, with no new backend.
            try await dead.start()
            let back = await MemcachedTesting.eventually {
                try await cache.set(deadKey, "back")
                guard try await cache.get(deadKey, as: String.self) == "back" else { throw CacheError.keyNotFound(key: deadKey) }
            }
            #expect(back)
        }
    }

    @Test("in error mode a dead server's keys are errors; the other server's keys work")
    func errorMode() async throws {
        try await MemcachedTestServer.withPair { live, dead in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([live.location, dead.location]))
            let ring = KetamaRing(names: [live.location, dead.location])
            let keys = (0..<50).map { "key\($0)" }
            let liveKey = try #require(keys.first { ring.server(for: cache.makeKey($0)) == 0 })
            let deadKey = try #require(keys.first { ring.server(for: cache.makeKey($0)) == 1 })
            try await cache.set(liveKey, 1)
            dead.kill()
            await #expect(throws: CacheError.self) { try await cache.get(deadKey, as: Int.self) }
            await #expect(throws: CacheError.self) { try await cache.set(deadKey, 1) }
            await #expect(throws: CacheError.self) { try await cache.getMany(keys, as: Int.self) }
            await #expect(throws: CacheError.self) { try await cache.setMany([deadKey: 1]) }
            await #expect(throws: CacheError.self) { try await cache.clear() }
            #expect(try await cache.get(liveKey, as: Int.self) == nil)   // cleared on the live server
            try await cache.set(liveKey, 2)
            #expect(try await cache.get(liveKey, as: Int.self) == 2)
        }
    }

    @Test("a reply the client does not expect fails the call and replaces the connection")
    func garbageReply() async throws {
        // The first connection answers nonsense; later ones answer properly.
        try await FakeMemcachedServer.with(respond: { connection, _ in
            connection == 1 ? .reply("HELLO THERE\r\n") : .reply("EN\r\n")
        }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([fake.location], connectionsPerServer: 1))
            do {
                _ = try await cache.get("k", as: String.self)
                Issue.record("a nonsense reply was accepted")
            } catch let error as CacheError {
                #expect(error.isServerFailure)
                #expect("\(error)".contains("HELLO THERE"), "\(error)")
            }
            #expect(try await cache.get("k", as: String.self) == nil)
            #expect(fake.connectionCount == 2)
        }
    }

    @Test("a connection closed before the reply: get and set are sent once more on a new one; add, delete and incr fail and are not resent")
    func lostConnectionRetry() async throws {
        // When `drop` is set, the next command closes its connection unanswered.
        let drop = CacheLock(false)
        try await FakeMemcachedServer.with(respond: { _, line in
            if drop.withLock({ dropping in defer { dropping = false }; return dropping }) { return FakeMemcachedServer.hangUp }
            switch line.split(separator: " ").first {
            case "mg": return .reply("EN\r\n")
            case "ma": return .reply("NF\r\n")
            case "md": return .reply("NF\r\n")
            default: return .reply("HD\r\n")
            }
        }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([fake.location], connectionsPerServer: 1))
            try await cache.set("warm", "v")
            func sent(_ verb: String) -> Int { fake.lines.filter { $0.hasPrefix(verb + " ") }.count }
            drop.withLock { $0 = true }
            #expect(try await cache.get("k", as: String.self) == nil)
            #expect(sent("mg") == 2)
            drop.withLock { $0 = true }
            try await cache.set("k", "v")
            #expect(sent("ms") == 3)
            let before = (ms: sent("ms"), md: sent("md"), ma: sent("ma"))
            drop.withLock { $0 = true }
            await #expect(throws: CacheError.self) { _ = try await cache.add("k", "v") }
            drop.withLock { $0 = true }
            await #expect(throws: CacheError.self) { _ = try await cache.delete("k") }
            drop.withLock { $0 = true }
            await #expect(throws: CacheError.self) { _ = try await cache.increment("k") }
            #expect(sent("ms") == before.ms + 1)
            #expect(sent("md") == before.md + 1)
            #expect(sent("ma") == before.ma + 1)
        }
    }

    @Test("miss mode does not hide a server that answers nonsense")
    func missModeKeepsProtocolErrors() async throws {
        try await FakeMemcachedServer.with(respond: { _, _ in .reply("NONSENSE\r\n") }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([fake.location], failureMode: .miss))
            await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }
            await #expect(throws: CacheError.self) { try await cache.set("k", "v") }
        }
    }

    @Test("a reply of the wrong kind is a protocol error too")
    func wrongKindOfReply() async throws {
        // `NS` (not stored) cannot answer a get; `ERROR` means no meta protocol.
        try await FakeMemcachedServer.with(respond: { connection, _ in
            switch connection {
            case 1: return .reply("NS\r\n")
            case 2: return .reply("ERROR\r\n")
            default: return .reply("EN\r\n")
            }
        }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([fake.location], connectionsPerServer: 1))
            await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }
            do {
                _ = try await cache.get("k", as: String.self)
                Issue.record("ERROR was accepted as a reply")
            } catch let error as CacheError {
                #expect("\(error)".contains("memcached 1.6"), "\(error)")
            }
            #expect(try await cache.get("k", as: String.self) == nil)
            #expect(fake.connectionCount == 3)
        }
    }

    @Test("a value without its line end, and a line that never ends, are protocol errors")
    func brokenFraming() async throws {
        try await FakeMemcachedServer.with(respond: { connection, _ in
            switch connection {
            case 1: return .reply("VA 3\r\nabcXY")
            case 2: return .reply("EN" + String(repeating: "!", count: 9_000))
            default: return .reply("EN\r\n")
            }
        }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([fake.location], connectionsPerServer: 1))
            await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }
            await #expect(throws: CacheError.self) { try await cache.get("k", as: String.self) }
            #expect(try await cache.get("k", as: String.self) == nil)
        }
    }

    @Test("a server that never answers is a timeout, and the connection is replaced")
    func silentServer() async throws {
        try await FakeMemcachedServer.with(respond: { connection, _ in
            connection == 1 ? nil : .reply("EN\r\n")
        }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend(
                // The timeout bounds the whole call, the replacement connect
                // included: 3 s, for a loaded machine. The breaker is off: a
                // timeout opens it at once, and this test is about the connection.
                [fake.location], timeout: .seconds(3), connectionsPerServer: 1,
                breaker: CircuitBreakerSettings(failureThreshold: 0)))
            do {
                _ = try await cache.get("k", as: String.self)
                Issue.record("a get with no reply succeeded")
            } catch let error as CacheError {
                guard case .timeout = error else {
                    Issue.record("expected a timeout, got \(error)")
                    return
                }
            }
            #expect(try await cache.get("k", as: String.self) == nil)
            #expect(fake.connectionCount == 2)
        }
    }

    @Test("replies that arrive in pieces are read whole")
    func piecemealReplies() async throws {
        try await FakeMemcachedServer.with(dribble: true, respond: { _, line in
            let words = line.split(separator: " ")
            if words.first == "mn" { return .reply("MN\r\n") }
            guard words.first == "mg" else { return .reply("HD\r\n") }
            let key = words.count > 1 ? String(words[1]) : ""
            let value = "s" + key + " value"
            let opaque = words.first { $0.hasPrefix("O") }.map { " " + $0 } ?? ""
            return words.contains("q") && key.hasSuffix("missing") ? nil : .reply("VA \(value.utf8.count)\(opaque)\r\n\(value)\r\n")
        }) { fake in
            let cache = MemcachedTesting.cache(try MemcachedTesting.backend([fake.location], connectionsPerServer: 1))
            #expect(try await cache.get("one", as: String.self) == ":1:one value")
            let many = try await cache.getMany(["a", "b", "missing", "c"], as: String.self)
            #expect(many == ["a": ":1:a value", "b": ":1:b value", "c": ":1:c value"])
            #expect(fake.lines.contains("mn"))
            #expect(fake.connectionCount == 1)
        }
    }
}

/// Counters shared by the tasks of the kill test.
final class Traffic: Sendable {
    let succeeded = Atomic<Int>(0)
    let failedAfterKill = Atomic<Int>(0)
    let killed = Atomic<Bool>(false)
}
