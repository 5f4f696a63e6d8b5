import Caching
import CachingTestSupport
import Foundation
import NIOCore
import RedisCaching
import Testing

/// The Redis backend behind Redis Sentinel (primary and replica on 6390 and
/// 6391, sentinels 26379-26381, master `mymaster`, from `scripts/services.sh`):
/// discovery, a wrong master name, and a failover under load. Serialized: the
/// failover swaps the two servers' roles.
@Suite("Redis Sentinel", .serialized, .timeLimit(.minutes(3)))
struct RedisSentinelTests {
    typealias Support = RedisClusterTestSupport

    static func backend(masterName: String = "mymaster", timeout: TimeAmount = .seconds(20)) throws -> RedisCacheBackend {
        try RedisCacheBackend(
            configuration: .init(
                servers: [], topology: .sentinel(
                    sentinels: Support.sentinelPorts.map { RedisSlotMap.Node(host: "127.0.0.1", port: $0) }, masterName: masterName),
                client: .init(connectTimeout: timeout, commandTimeout: timeout, connectionsPerServer: 1),
                namespace: "sentinel-test-\(UUID().uuidString.prefix(8)):"),
            logger: Support.quiet)
    }

    /// The primary the sentinels name, once they agree, it has a synced
    /// replica, and no failover is under way.
    static func settledPrimary() async throws -> Int {
        var last = ""
        for _ in 0..<300 {
            var ports: Set<String> = []
            for sentinel in Support.sentinelPorts {
                let reply = (try? await Support.cli(port: sentinel, "sentinel", "get-master-addr-by-name", "mymaster")) ?? ""
                ports.insert(reply.split(separator: "\n").last.map(String.init) ?? "")
            }
            if ports.count == 1, let port = ports.first.flatMap({ Int($0) }) {
                let replica = port == 6390 ? 6391 : 6390
                let role = (try? await Support.cli(port: port, "role")) ?? ""
                let link = (try? await Support.cli(port: replica, "info", "replication")) ?? ""
                let master = (try? await Support.cli(port: 26379, "sentinel", "master", "mymaster")) ?? ""
                if role.hasPrefix("master"), link.contains("master_port:\(port)"), link.contains("master_link_status:up"),
                   !master.contains("failover_in_progress"), master.contains("\nmaster\n") {
                    return port
                }
                last = "role \(role.prefix(20)), replica link \(link.contains("master_link_status:up"))"
            } else {
                last = "sentinels disagree: \(ports)"
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw RedisClusterTestSupport.Failure(description: "the Sentinel set-up did not settle (\(last)); run scripts/services.sh start")
    }

    @Test("the primary is discovered from the sentinels and checked with ROLE")
    func discovery() async throws {
        let port = try await Self.settledPrimary()
        let backend = try Self.backend()
        defer { backend.shutdown() }
        try await backend.set("k", value: Support.value("v"), lifetime: .seconds(60))
        #expect(Support.text(try await backend.get("k")) == "v")
        #expect(backend.sentinelClient?.primary == RedisSlotMap.Node(host: "127.0.0.1", port: port))
        let stored = try await Support.cli(port: port, "get", backend.configuration.namespace + "k")
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == "v")
        try await backend.clear()
        #expect(try await backend.get("k") == nil)
    }

    @Test("a master name the sentinels do not know: a typed error saying so")
    func unknownMaster() async throws {
        _ = try await Self.settledPrimary()
        let backend = try Self.backend(masterName: "nosuchmaster", timeout: .seconds(2))
        defer { backend.shutdown() }
        do {
            _ = try await backend.get("k")
            Issue.record("a read through an unknown master succeeded")
        } catch let error as CacheError {
            guard case .unavailable(_, _, let message) = error else { Issue.record("got \(error)"); return }
            #expect(message.contains("does not monitor a master named 'nosuchmaster'"))
            #expect(message.contains("127.0.0.1:26379"))
        }
    }

    @Test("settings: sentinels and masterName")
    func settings() async throws {
        _ = try await Self.settledPrimary()
        let caches = try RedisBackendTests.caches("""
            { "caches": { "default": { "backend": "redis", "keyPrefix": "sentinel-settings-\(UUID().uuidString)",
                "options": { "sentinels": ["127.0.0.1:26379", "127.0.0.1:26380"], "masterName": "mymaster" } } } }
            """)
        try await caches.default.set("k", "v")
        #expect(try await caches.default.get("k", as: String.self) == "v")
        try await caches.default.clear()
    }

    @Test("a failover under load: the client follows the new primary; only in-flight calls fail")
    func failover() async throws {
        let old = try await Self.settledPrimary()
        let workers = 8
        let backend = try Self.backend()
        defer { backend.shutdown() }
        let stop = Support.Shared(false)
        // A test that throws before it stops the load must not leave it running.
        defer { stop.set(true) }
        let failedOverAt = Support.Shared<ContinuousClock.Instant?>(nil)
        let recoveredAt = Support.Shared<ContinuousClock.Instant?>(nil)
        let sentinel = try #require(backend.sentinelClient)
        let load = Task {
            await Support.load(backend, workers: workers, stop: stop) { _, started in
                // The first success, on the new primary, of a call started after the failover began.
                guard let failover = failedOverAt.value, started >= failover, let primary = sentinel.primary, primary.port != old else { return }
                recoveredAt.setOnce(ContinuousClock.now)
            }
        }
        try await Task.sleep(for: .seconds(1))
        failedOverAt.set(.now)
        try await Support.cli(port: 26379, "sentinel", "failover", "mymaster")
        // A loaded CI machine can stretch the election; calls wait up to their 20 s timeout.
        for _ in 0..<600 where recoveredAt.value == nil {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        stop.set(true)
        let result = await load.value
        let started = try #require(failedOverAt.value)
        let recovered = try #require(recoveredAt.value, "the client never wrote to the new primary")
        let seconds = Support.seconds(recovered - started)
        print("redis-sentinel-failover: calls=\(result.calls) failed=\(result.failures.count) wrong=\(result.wrongValues.count) stale=\(result.staleValues.count) recover=\(seconds)s announced=\(sentinel.announcedSwitches) discoveries=\(sentinel.discoveryCount)")
        for failure in result.failures { print("redis-sentinel-failover: failed \(failure)") }
        for stale in result.staleValues { print("redis-sentinel-failover: stale \(stale)") }
        #expect(result.wrongValues.isEmpty, "\(result.wrongValues)")
        // Writes lost by asynchronous replication at the switch (read back as an
        // older value or none): at most two per worker, those around the switch.
        #expect(result.staleValues.count <= 2 * workers, "\(result.staleValues)")
        #expect(result.mostFailuresPerWorker <= 2, "\(result.failures)")
        for failure in result.failures {
            #expect(failure.contains("connection") || failure.contains("in time"), "untyped or unexpected failure: \(failure)")
        }
        #expect(sentinel.primary?.port != old)
        _ = try await Self.settledPrimary()
    }

    @Test("the primary killed under load: the client finds the promoted replica; only in-flight calls fail")
    func primaryKilled() async throws {
        let old = try await Self.settledPrimary()
        let workers = 8
        let backend = try Self.backend()
        defer { backend.shutdown() }
        let stop = Support.Shared(false)
        // A test that throws before it stops the load must not leave it running.
        defer { stop.set(true) }
        let killedAt = Support.Shared<ContinuousClock.Instant?>(nil)
        let recoveredAt = Support.Shared<ContinuousClock.Instant?>(nil)
        let sentinel = try #require(backend.sentinelClient)
        let load = Task {
            await Support.load(backend, workers: workers, stop: stop) { _, started in
                guard let killed = killedAt.value, started >= killed, let primary = sentinel.primary, primary.port != old else { return }
                recoveredAt.setOnce(ContinuousClock.now)
            }
        }
        try await Task.sleep(for: .seconds(1))
        let directory = "\(Support.servicesDirectory)/sentinel"
        guard let text = try? String(contentsOfFile: "\(directory)/\(old).pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Support.Failure(description: "no pid file for the primary \(old) in \(directory); run scripts/services.sh start")
        }
        try? ProcessSignals.send(SIGKILL, toTreeOf: pid)
        killedAt.set(.now)
        // A loaded CI machine can stretch the election; calls wait up to their 20 s timeout.
        for _ in 0..<600 where recoveredAt.value == nil {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        stop.set(true)
        let result = await load.value
        // Start it again: the sentinels turn it into a replica of the new primary.
        let restarted = try await ChildProcess.run("/usr/bin/env", ["redis-server", "\(directory)/\(old).conf"])
        #expect(restarted.status == 0, "\(restarted.errors)")
        let killed = try #require(killedAt.value)
        let recovered = try #require(recoveredAt.value, "the client never wrote to the promoted replica")
        print("redis-sentinel-kill: calls=\(result.calls) failed=\(result.failures.count) wrong=\(result.wrongValues.count) stale=\(result.staleValues.count) recover=\(Support.seconds(recovered - killed))s discoveries=\(sentinel.discoveryCount)")
        for failure in result.failures { print("redis-sentinel-kill: failed \(failure)") }
        #expect(result.wrongValues.isEmpty, "\(result.wrongValues)")
        #expect(result.staleValues.count <= 2 * workers, "\(result.staleValues)")
        #expect(result.mostFailuresPerWorker <= 2, "\(result.failures)")
        for failure in result.failures {
            #expect(failure.contains("connection") || failure.contains("in time"), "untyped or unexpected failure: \(failure)")
        }
        let now = try await Self.settledPrimary()
        #expect(now != old)
    }
}
