import Caching
import CachingTestSupport
import Foundation
import Logging
import NIOCore
import RedisCaching
import Testing

/// Issue 18, item 3: near caches kept coherent by Redis pub/sub on the
/// shared server (6379, keys and channels of the test's own), and on a
/// server of the test's own that it kills.
@Suite("Near cache over Redis", .timeLimit(.minutes(2)))
struct NearCacheRedisTests {
    static let quiet = NearCacheTests.quiet
    static let url = "redis://127.0.0.1:6379/0"

    /// Settings with a `plain` Redis alias and a `near` alias over it.
    static func settings(run: String, invalidation: String = url, staleness: Double = 3600, failureMode: String = "error",
                         heartbeat: Double = 1) -> String {
        """
        {"caches": {
          "default": {"backend": "memory"},
          "plain": {"backend": "redis", "location": "\(url)", "keyPrefix": "near-test-\(run)"},
          "near": {"backend": "near", "keyPrefix": "near-test-\(run)",
                   "options": {"over": "plain", "invalidation": "\(invalidation)", "channel": "near-test-\(run)",
                               "staleness": \(staleness), "heartbeat": \(heartbeat), "failureMode": "\(failureMode)"}}}}
        """
    }

    static func caches(_ json: String) throws -> Caches {
        var registry = CacheBackendRegistry.standard
        registry.registerRedisBackend()
        registry.registerNearBackend()
        return try Caches(settings: CacheSettings(json: Data(json.utf8)), registry: registry, logger: quiet)
    }

    static func tier(_ caches: Caches) throws -> NearCacheBackend {
        let backend = try caches["near"].backend
        guard let near = backend as? NearCacheBackend else { throw ChildProcessError(message: "not a near cache: \(backend.name)") }
        return near
    }

    /// A near cache on its own run's keys, invalidated through `invalidation`,
    /// once its tier listens and holds a copy of key `k`.
    static func filledTier(invalidation: String, heartbeat: Double = 1) async throws -> (near: Cache, tier: NearCacheBackend) {
        let run = String(UUID().uuidString.prefix(8))
        let made = try Self.caches(Self.settings(run: run, invalidation: invalidation, heartbeat: heartbeat))
        let near = try made["near"]
        let tier = try Self.tier(made)
        try await near.set("k", 1)
        try await Self.filled(near, tier, "the tier listens and holds a copy")
        return (near, tier)
    }

    /// Waits until a read of `k` through `near` leaves a copy in `tier`.
    ///
    /// Retried, not read once: on a loaded machine the subscription can drop
    /// (a stall longer than the heartbeat) between the tier listening and
    /// the read, and then the read rightly keeps no copy.
    static func filled(_ near: Cache, _ tier: NearCacheBackend, _ what: String) async throws {
        try await Self.eventually(what) {
            _ = try await near.get("k", as: Int.self)
            return tier.isServingFromMemory && tier.memoryCount == 1
        }
    }

    /// Waits (up to 10 s) until `condition` holds.
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<1000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("never: \(what)")
    }

    @Test("the settings build a near cache over the alias's own backend instance")
    func settingsShareTheBacking() async throws {
        let caches = try Self.caches(Self.settings(run: "settings"))
        let near = try Self.tier(caches)
        #expect(near.backing as AnyObject === (try caches["plain"].backend) as AnyObject)
        #expect(near.name == "near(redis)")
    }

    /// The error building `aliases` gives.
    static func settingsError(_ aliases: String) -> CacheConfigurationError? {
        do {
            _ = try caches("{\"caches\": {\"default\": {\"backend\": \"memory\"}, \(aliases)}}")
            return nil
        } catch let error as CacheConfigurationError {
            return error
        } catch {
            return CacheConfigurationError("not a settings error: \(error)")
        }
    }

    @Test("bad settings are errors naming the option, with a did-you-mean")
    func badSettings() {
        let valid = #""over": "default", "invalidation": "redis://127.0.0.1:6379""#
        let cases: [(String, String)] = [
            (#""n": {"backend": "near", "options": {\#(valid), "staleneess": 5}}"#,
             #"caches.n.options.staleneess: unknown option "staleneess"; did you mean "staleness"?"#),
            (#""n": {"backend": "near", "options": {"invalidation": "redis://127.0.0.1:6379"}}"#,
             #"caches.n.options.over: is required"#),
            (#""n": {"backend": "near", "options": {"over": "defualt", "invalidation": "redis://127.0.0.1:6379"}}"#,
             #"caches.n.options.over: there is no cache alias 'defualt'; did you mean 'default'?"#),
            (#""n": {"backend": "near", "options": {"over": "default"}}"#,
             #"caches.n.options.invalidation: is required"#),
            (#""n": {"backend": "near", "options": {"over": "default", "invalidation": "http://x"}}"#,
             #"caches.n.options.invalidation: invalid Redis URL"#),
            (#""n": {"backend": "near", "options": {\#(valid), "staleness": 0}}"#,
             #"caches.n.options.staleness: must be a number of seconds"#),
            (#""n": {"backend": "near", "options": {\#(valid), "maxEntries": 0}}"#,
             #"caches.n.options.maxEntries: must be at least 1"#),
            (#""n": {"backend": "near", "options": {\#(valid), "failureMode": "ignore"}}"#,
             #"caches.n.options.failureMode: must be "error" or "miss""#),
            (#""n": {"backend": "near", "options": {"over": "n", "invalidation": "redis://127.0.0.1:6379"}}"#,
             #"caches.n.options.over: names this alias itself"#),
            (#""n": {"backend": "near", "options": {"over": "m", "invalidation": "redis://127.0.0.1:6379"}}, "#
                + #""m": {"backend": "near", "options": {"over": "default", "invalidation": "redis://127.0.0.1:6379"}}"#,
             #"caches.n.options.over: names 'm', itself a near cache"#),
        ]
        for (aliases, expected) in cases {
            let error = Self.settingsError(aliases)
            #expect(error?.message.hasPrefix(expected) == true, "\(aliases): got \(error?.message ?? "no error"), expected \(expected)")
        }
    }

    @Test("a near alias in a registry without it points to RedisCaching")
    func notRegistered() {
        do {
            _ = try Caches(settings: CacheSettings(caches: [
                "default": CacheConfiguration(backend: "near", options: ["over": .string("x")]),
            ]))
            Issue.record("an unregistered backend was accepted")
        } catch {
            #expect("\(error)".contains("RedisCaching"), "\(error)")
        }
    }

    @Test("two instances: a write in one is seen by the other, whose copy was dropped by the message")
    func twoInstances() async throws {
        let run = UUID().uuidString.prefix(8)
        let a = try Self.caches(Self.settings(run: String(run)))
        let b = try Self.caches(Self.settings(run: String(run)))
        let nearA = try a["near"], nearB = try b["near"]
        try await nearA.set("k", 1)
        _ = try await nearA.get("k", as: Int.self)
        _ = try await nearB.get("k", as: Int.self)
        try await Self.eventually("both tiers listen") { try Self.tier(a).isServingFromMemory && Self.tier(b).isServingFromMemory }
        #expect(try await nearB.get("k", as: Int.self) == 1)
        try await Self.filled(nearB, try Self.tier(b), "B holds a copy")
        try await nearA.set("k", 2)
        // Staleness is an hour: only the message can make B read the new value.
        try await Self.eventually("B sees the write") { try await nearB.get("k", as: Int.self) == 2 }
        try await nearA.set("card", "v1", tags: ["t"])
        try await Self.eventually("B reads the tagged value") { try await nearB.get("card", as: String.self) == "v1" }
        try await nearA.invalidate(tags: ["t"])
        try await Self.eventually("B's tagged copy is a miss") { try await nearB.get("card", as: String.self) == nil }
        try await nearA.clear()
        try await Self.eventually("B's tier is empty") { try Self.tier(b).memoryCount == 0 }
    }

    @Test("the invalidation server down: nothing is served from memory, writes and tag invalidations fail with typed errors")
    func invalidationServerDown() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let run = String(UUID().uuidString.prefix(8))
        for mode in ["error", "miss"] {
            let caches = try Self.caches(Self.settings(run: run, invalidation: "redis://127.0.0.1:\(port)", failureMode: mode))
            let near = try caches["near"]
            if mode == "error" {
                do {
                    try await near.set("k", 1)
                    Issue.record("a write announced to nobody succeeded")
                } catch let error as CacheError {
                    #expect(error.isServerUnavailable, "\(error)")
                    #expect(error.description.contains("near invalidation channel"), "\(error)")
                }
            } else {
                try await near.set("k", 1)
            }
            do {
                try await near.invalidate(tags: ["t"])
                Issue.record("a tag invalidation announced to nobody succeeded (\(mode))")
            } catch let error as CacheError {
                #expect(error.isServerUnavailable, "\(error)")
            }
            #expect(try await near.get("k", as: Int.self) == 1)
            #expect(try await near.get("k", as: Int.self) == 1)
            #expect(try !Self.tier(caches).isServingFromMemory)
            #expect(try Self.tier(caches).memoryCount == 0)
        }
    }

    @Test("the invalidation server dies: the tier flushes, serves nothing from memory, and refills once it is back")
    func serverDies() async throws {
        try await TestRedisServer.with { server in
            let (near, tier) = try await Self.filledTier(invalidation: server.url)
            await server.kill()
            try await Self.eventually("the tier notices the drop") { !tier.isServingFromMemory }
            #expect(tier.memoryCount == 0)
            #expect(try await near.get("k", as: Int.self) == 1)
            #expect(tier.memoryCount == 0, "a copy was kept while the channel was down")
            try await server.start()
            try await Self.filled(near, tier, "the tier listens again and refills")
        }
    }

    @Test("a hung invalidation server (SIGSTOP) is noticed by the heartbeat and the tier flushes")
    func serverHangs() async throws {
        try await TestRedisServer.with { server in
            let (near, tier) = try await Self.filledTier(invalidation: server.url, heartbeat: 0.2)
            try await server.signal("STOP")
            try await Self.eventually("the heartbeat notices") { !tier.isServingFromMemory }
            #expect(tier.memoryCount == 0)
            try await server.signal("CONT")
            // The near backend owns the tier's subscription: kept alive to here.
            withExtendedLifetime(near) {}
        }
    }

    @Test("two processes: after a write in one returns, the other reads the new value, never an older one after it")
    func twoProcesses() async throws {
        let run = String(UUID().uuidString.prefix(8))
        let json = Self.settings(run: run)
        let rounds = 50
        let binary = try ChildProcess.builtExecutable("NearCacheProbe")
        let key = "shared"
        async let follower = ChildProcess.run(binary, ["follow", json, key, "\(rounds)"])
        // This process is the other instance: it writes.
        let caches = try Self.caches(json)
        let near = try caches["near"], plain = try caches["plain"]
        var acknowledged = true
        try await Self.eventually("the follower listens") { try await plain.get(key + ":ack", as: Int.self) == 0 }
        for round in 1...rounds {
            try await near.set(key, round)
            var seen = false
            for _ in 0..<2000 where !seen {
                seen = try await plain.get(key + ":ack", as: Int.self) ?? 0 >= round
                if !seen { try await Task.sleep(for: .milliseconds(5)) }
            }
            guard seen else {
                acknowledged = false
                break
            }
        }
        let result = try await follower
        #expect(acknowledged, "the follower never saw a write; its output: \(result.output) \(result.errors)")
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("regressed") }, "\(result.output)")
        #expect(lines.filter { $0.hasPrefix("seen ") }.count == rounds, "\(result.output)")
        let memoryReads = lines.first { $0.hasPrefix("memory-reads ") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        #expect(memoryReads > 0, "the follower never held a copy, so nothing was invalidated: \(result.output)")
        try await near.deleteMany([key, key + ":ack"])
        _ = try await plain.delete(key + ":ack")
    }
}
