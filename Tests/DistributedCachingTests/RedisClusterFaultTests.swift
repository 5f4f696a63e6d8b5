import Caching
import CachingTestSupport
import Foundation
import NIOCore
import RedisCaching
import Testing

/// The fault cluster (7010-7015, used by these tests only, one at a time):
/// `ASK` and `MOVED` during a slot migration, a primary killed under load,
/// and resharding under load. Each test starts by waiting for a healthy
/// cluster and leaves it healthy (a killed node is started again and rejoins
/// as a replica). Figures are printed as `redis-cluster-…:` lines.
@Suite("Redis Cluster faults", .serialized, .timeLimit(.minutes(5)))
struct RedisClusterFaultTests {
    typealias Support = RedisClusterTestSupport

    @Test("ASK during a slot migration (ASKING then the command), then MOVED once it is done")
    func askAndMoved() async throws {
        try await Support.waitHealthy()
        let backend = try Support.backend(seeds: [Support.faultBase], namespace: "")
        defer { backend.shutdown() }
        let primaries = try await Support.primaries(Support.faultPorts)
        // A slot holding no other key (the other tests' keys live a minute):
        // the source gives a slot away only once its keys have all moved.
        var chosen: (key: String, slot: Int, source: Support.Primary)?
        for _ in 0..<50 where chosen == nil {
            let key = "{ask-\(UUID().uuidString.prefix(8))}.a"
            let slot = RedisClusterSlot.of(key)
            let source = try #require(primaries.first { $0.slots.contains { $0.contains(slot) } })
            let count = try await Support.cli(port: source.port, "cluster", "countkeysinslot", "\(slot)")
            if count.trimmingCharacters(in: .whitespacesAndNewlines) == "0" { chosen = (key, slot, source) }
        }
        let (key, slot, source) = try #require(chosen)
        let sibling = key.replacingOccurrences(of: ".a", with: ".b")
        try await backend.set(key, value: Support.value("before"), lifetime: .seconds(120))
        let target = try #require(primaries.first { $0.port != source.port })
        let refreshes = try #require(backend.clusterClient).refreshCount

        try await Support.cli(port: target.port, "cluster", "setslot", "\(slot)", "importing", source.id)
        try await Support.cli(port: source.port, "cluster", "setslot", "\(slot)", "migrating", target.id)
        try await Support.cli(port: source.port, "migrate", "127.0.0.1", "\(target.port)", "", "0", "5000", "keys", key)
        // The key moved, the slot not yet: the source answers ASK.
        #expect(Support.text(try await backend.get(key)) == "before")
        try await backend.set(sibling, value: Support.value("asked"), lifetime: .seconds(120))
        #expect(Support.text(try await backend.get(sibling)) == "asked")
        let onTarget = try await ChildProcess.run(
            "/bin/sh", ["-c", "printf 'ASKING\\nEXISTS %s\\n' \"$1\" | redis-cli -p \(target.port)", "sh", sibling])
        #expect(onTarget.output.split(separator: "\n").last == "1", "\(onTarget.output)")
        // ASK does not refresh the map (the slot still belongs to the source).
        #expect(try #require(backend.clusterClient).refreshCount == refreshes)

        // Finish the migration (the sibling went to the target already), in
        // the documented order: target, source, the other primary. Now the
        // source answers MOVED.
        for primary in [target, source] + primaries.filter({ $0.port != target.port && $0.port != source.port }) {
            try await Support.cli(port: primary.port, "cluster", "setslot", "\(slot)", "node", target.id)
        }
        #expect(Support.text(try await backend.get(key)) == "before")
        try await backend.set(key, value: Support.value("after"), lifetime: .seconds(120))
        #expect(Support.text(try await backend.get(key)) == "after")
        // MOVED refreshes the map, in the background.
        let cluster = try #require(backend.clusterClient)
        for _ in 0..<100 where cluster.refreshCount == refreshes { try await Task.sleep(for: .milliseconds(50)) }
        #expect(cluster.refreshCount > refreshes)
        #expect(cluster.slotMap?.shard(for: slot)?.primary.port == target.port)
        try await Support.waitHealthy()
    }

    @Test("a primary killed under load: its replica is promoted, the client follows, only in-flight calls fail")
    func failover() async throws {
        try await Support.waitHealthy()
        let workers = 8
        let backend = try Support.backend(seeds: [Support.faultBase, Support.faultBase + 1], timeout: .seconds(20))
        defer { backend.shutdown() }
        let victim = try #require(try await Support.primaries(Support.faultPorts).first)
        let stop = Support.Shared(false)
        // A test that throws before it stops the load must not leave it running.
        defer { stop.set(true) }
        let killedAt = Support.Shared<ContinuousClock.Instant?>(nil)
        let recoveredAt = Support.Shared<ContinuousClock.Instant?>(nil)
        let namespace = backend.configuration.namespace
        let load = Task {
            await Support.load(backend, workers: workers, stop: stop) { key, started in
                // The first success on the victim's slots of a call started after the kill.
                guard let killed = killedAt.value, started >= killed else { return }
                let slot = RedisClusterSlot.of(namespace + key)
                guard victim.slots.contains(where: { $0.contains(slot) }) else { return }
                recoveredAt.setOnce(ContinuousClock.now)
            }
        }
        try await Task.sleep(for: .seconds(1))
        let pid = try Support.pid(victim.port)
        try? ProcessSignals.send(SIGKILL, toTreeOf: pid)
        killedAt.set(.now)
        // A loaded CI machine can stretch the election; calls wait up to their 20 s timeout.
        for _ in 0..<600 where recoveredAt.value == nil {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        stop.set(true)
        let result = await load.value
        try await Support.restart(victim.port)
        try await Support.waitHealthy()

        let killed = try #require(killedAt.value)
        let recovered = try #require(recoveredAt.value, "the client never wrote to the victim's slots again")
        let seconds = Support.seconds(recovered - killed)
        print("redis-cluster-failover: calls=\(result.calls) failed=\(result.failures.count) wrong=\(result.wrongValues.count) stale=\(result.staleValues.count) recover=\(seconds)s")
        for failure in result.failures { print("redis-cluster-failover: failed \(failure)") }
        for stale in result.staleValues { print("redis-cluster-failover: stale \(stale)") }
        #expect(result.wrongValues.isEmpty, "\(result.wrongValues)")
        // Writes lost by asynchronous replication at the kill: at most one per worker.
        #expect(result.staleValues.count <= workers, "\(result.staleValues)")
        // Only calls to the dead node as it died may fail: the one each worker had in flight,
        // and at most one more handed its connection before the close was seen.
        #expect(result.mostFailuresPerWorker <= 2, "\(result.failures)")
        for failure in result.failures {
            #expect(failure.contains("connection") || failure.contains("in time"), "untyped or unexpected failure: \(failure)")
        }
        // The killed node came back as a replica.
        let role = try await Support.cli(port: victim.port, "role")
        #expect(role.hasPrefix("slave"))
    }

    @Test("resharding under load: no wrong value, no error beyond the redirections handled")
    func reshard() async throws {
        try await Support.waitHealthy()
        let backend = try Support.backend(seeds: [Support.faultBase], timeout: .seconds(20))
        defer { backend.shutdown() }
        let primaries = try await Support.primaries(Support.faultPorts)
        let from = primaries[0]
        let to = primaries[1]
        let stop = Support.Shared(false)
        // A test that throws before it stops the load must not leave it running.
        defer { stop.set(true) }
        let load = Task { await Support.load(backend, workers: 6, keysPerWorker: 400, stop: stop) }
        try await Task.sleep(for: .milliseconds(500))
        let started = ContinuousClock.now
        for (source, destination) in [(from, to), (to, from)] {
            // redis-cli refuses to reshard until every node agrees on the last move.
            try await Support.waitHealthy()
            let result = try await ChildProcess.run("/usr/bin/env", [
                "redis-cli", "--cluster", "reshard", "127.0.0.1:\(Support.faultBase)", "--cluster-from", source.id,
                "--cluster-to", destination.id, "--cluster-slots", "300", "--cluster-yes", "--cluster-pipeline", "50",
            ])
            #expect(result.status == 0, "redis-cli --cluster reshard failed: \(result.output.suffix(500))\(result.errors)")
        }
        let elapsed = ContinuousClock.now - started
        stop.set(true)
        let result = await load.value
        print("redis-cluster-reshard: slots=600 calls=\(result.calls) failed=\(result.failures.count) wrong=\(result.wrongValues.count) stale=\(result.staleValues.count) seconds=\(elapsed.components.seconds) refreshes=\(backend.clusterClient?.refreshCount ?? 0)")
        #expect(result.wrongValues.isEmpty, "\(result.wrongValues.prefix(5))")
        #expect(result.staleValues.isEmpty, "\(result.staleValues.prefix(5))")
        #expect(result.failures.isEmpty, "\(result.failures.prefix(5))")
        try await Support.waitHealthy()
    }
}
