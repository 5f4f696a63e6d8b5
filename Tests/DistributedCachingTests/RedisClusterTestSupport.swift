import Caching
import CachingTestSupport
import Foundation
import Logging
import NIOCore
import RedisCaching
import Testing

/// The loopback Redis Clusters and Sentinel set-up of `scripts/services.sh`:
/// 7000-7005 is shared (tests only add and remove their own keys), 7010-7015
/// is the fault tests' (they kill, restart and reshard it, one at a time,
/// and leave it healthy), and 6390/6391 with sentinels 26379-26381.
enum RedisClusterTestSupport {
    static let quiet = Logger(label: "redis-cluster-tests") { _ in SwiftLogNoOpLogHandler() }
    static let sharedSeeds = [7000, 7001, 7002]
    static let faultBase = 7010
    static let faultPorts = Array(7010...7015)
    static let sentinelPorts = [26379, 26380, 26381]

    static var servicesDirectory: String {
        ProcessInfo.processInfo.environment["SWIFT_CACHING_SERVICES_DIR"] ?? "/tmp/swift-caching-services"
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs redis-cli and returns its output; a failure to run it throws.
    @discardableResult
    static func cli(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run("/usr/bin/env", ["redis-cli"] + arguments)
        guard result.status == 0 else {
            throw Failure(description: "redis-cli \(arguments.joined(separator: " ")) failed: \(result.output)\(result.errors)")
        }
        return result.output
    }

    @discardableResult
    static func cli(port: Int, _ arguments: String...) async throws -> String {
        try await cli(["-p", "\(port)"] + arguments)
    }

    /// Fails (never skips) unless the cluster with `base` answers and is ok.
    static func requireCluster(_ ports: [Int]) async throws {
        for port in ports {
            let info = (try? await cli(port: port, "cluster", "info")) ?? ""
            guard info.contains("cluster_state:ok") else {
                throw Failure(description: "the Redis Cluster node 127.0.0.1:\(port) is not up and ok; run scripts/services.sh start")
            }
        }
    }

    /// A backend on the cluster of `seeds`.
    static func backend(
        seeds: [Int], namespace: String = "cluster-test-\(UUID().uuidString.prefix(8)):", timeout: TimeAmount = .seconds(5),
        readFromReplicas: Bool = false, failureMode: CacheFailureMode = .error
    ) throws -> RedisCacheBackend {
        try RedisCacheBackend(
            configuration: .init(
                servers: seeds.map { RedisEndpoint(host: "127.0.0.1", port: $0) },
                topology: .cluster(readFromReplicas: readFromReplicas),
                client: .init(connectTimeout: timeout, commandTimeout: timeout, connectionsPerServer: 1),
                namespace: namespace, failureMode: failureMode),
            logger: quiet)
    }

    static func value(_ text: String) -> CacheValue { .bytes(Array(text.utf8)) }

    static func text(_ value: CacheValue?) -> String? {
        guard case .bytes(let bytes)? = value else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The primaries of the fault cluster, by port, with their node ids and slot ranges.
    struct Primary {
        let port: Int
        let id: String
        let slots: [ClosedRange<Int>]
    }

    static func primaries(_ ports: [Int]) async throws -> [Primary] {
        for port in ports {
            guard let nodes = try? await cli(port: port, "cluster", "nodes") else { continue }
            var found: [Primary] = []
            for line in nodes.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 8, fields[2].contains("master"), !fields[2].contains("fail"),
                      let address = fields[1].split(separator: "@").first,
                      let node = RedisSlotMap.Node(parsing: address) else { continue }
                let slots = fields.dropFirst(8).compactMap { field -> ClosedRange<Int>? in
                    if field.hasPrefix("[") { return nil }
                    let bounds = field.split(separator: "-").compactMap { Int($0) }
                    if bounds.count == 2 { return bounds[0]...bounds[1] }
                    if bounds.count == 1 { return bounds[0]...bounds[0] }
                    return nil
                }
                guard !slots.isEmpty else { continue }
                found.append(Primary(port: node.port, id: String(fields[0]), slots: slots))
            }
            return found.sorted { $0.port < $1.port }
        }
        throw Failure(description: "no node of \(ports) answered CLUSTER NODES; run scripts/services.sh start")
    }

    /// Waits until every node of the fault cluster answers, the cluster is ok,
    /// it has three primaries each with a replica, and all nodes agree.
    ///
    /// A fault test that failed half-way (a slot left migrating, or assigned
    /// on one side only) would leave the cluster broken for the next ones;
    /// after 10 s of waiting, and every 15 s after that, `redis-cli --cluster
    /// fix` closes open slots and assigns orphaned ones.
    static func waitHealthy(_ ports: [Int] = faultPorts, seconds: Int = 60) async throws {
        var last = ""
        for round in 0..<(seconds * 5) {
            if round >= 50, round % 75 == 50 {
                // `--cluster-yes` does not answer the question about uncovered
                // slots in Redis 7.0: feed it yeses.
                _ = try? await ChildProcess.run(
                    "/bin/sh", ["-c", "yes yes | redis-cli --cluster fix 127.0.0.1:\(ports[0]) --cluster-yes"])
            }
            var healthy = true
            for port in ports {
                let info = (try? await cli(port: port, "cluster", "info")) ?? ""
                if !info.contains("cluster_state:ok") { healthy = false; last = "\(port): \(info.prefix(60))"; break }
            }
            if healthy {
                let check = try await ChildProcess.run("/usr/bin/env", ["redis-cli", "--cluster", "check", "127.0.0.1:\(ports[0])"])
                let primaries = try await primaries(ports)
                if check.status == 0, !check.output.contains("[WARNING]"), !check.output.contains("[ERR]"), primaries.count == 3,
                   check.output.contains("keys in 3 masters") {
                    let replicas = check.output.components(separatedBy: "| 1 slaves.").count - 1
                    if replicas == 3 { return }
                    last = "replicas: \(replicas)"
                } else {
                    last = String(check.output.suffix(400))
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure(description: "the Redis Cluster \(ports.first ?? 0)… did not become healthy: \(last); run scripts/services.sh start")
    }

    /// The pid of a fault-cluster node, from its pid file.
    static func pid(_ port: Int) throws -> Int32 {
        let path = "\(servicesDirectory)/cluster-\(faultBase)/\(port)/redis.pid"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "no pid file at \(path); run scripts/services.sh start")
        }
        return pid
    }

    /// Starts a fault-cluster node again from its configuration file.
    static func restart(_ port: Int) async throws {
        let result = try await ChildProcess.run("/usr/bin/env", ["redis-server", "\(servicesDirectory)/cluster-\(faultBase)/\(port)/redis.conf"])
        guard result.status == 0 else { throw Failure(description: "redis-server for \(port) did not start: \(result.errors)") }
    }

    /// A value shared by a test and its load tasks.
    final class Shared<Value: Sendable>: Sendable {
        private let state: CacheLock<Value>
        init(_ value: Value) { state = CacheLock(value) }
        var value: Value { state.withLock { $0 } }
        func set(_ value: Value) { state.withLock { $0 = value } }
        /// Sets `value` unless one is set already.
        func setOnce<Wrapped: Sendable>(_ value: Wrapped) where Value == Wrapped? {
            state.withLock { if $0 == nil { $0 = value } }
        }
    }

    /// `duration` in seconds, two decimals.
    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return "\((value * 100).rounded() / 100)"
    }

    /// Counts of a load run.
    struct LoadResult: Sendable {
        /// The most failures of any one worker (each worker has one call in
        /// flight at a time, so a kill can fail that call, and at most one
        /// more handed the dying connection before its close was seen).
        var mostFailuresPerWorker: Int {
            Dictionary(grouping: failures) { $0.prefix { $0 != "-" } }.values.map(\.count).max() ?? 0
        }

        var calls = 0
        var failures: [String] = []
        /// Reads of a value never written to the key.
        var wrongValues: [String] = []
        /// Reads of an older value of the key: a write the old primary
        /// acknowledged but had not yet copied to its replica when the replica
        /// took over (Redis replicates asynchronously, so a failover can lose
        /// the last writes; a cache then serves the value before them).
        var staleValues: [String] = []
    }

    /// `workers` tasks, each writing then reading its own keys until `stop`
    /// is set; every read must give the value last written. `onSuccess` gets
    /// each key whose call succeeded and when that call started.
    static func load(
        _ backend: RedisCacheBackend, workers: Int, keysPerWorker: Int = 50, stop: Shared<Bool>,
        onSuccess: @escaping @Sendable (_ key: String, _ started: ContinuousClock.Instant) -> Void = { _, _ in }
    ) async -> LoadResult {
        await withTaskGroup(of: LoadResult.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var result = LoadResult()
                    var round = 0
                    while !stop.value && !Task.isCancelled {
                        round += 1
                        let key = "w\(worker)-k\(round % keysPerWorker)"
                        let expected = "w\(worker)-r\(round)"
                        do {
                            result.calls += 1
                            var started = ContinuousClock.now
                            try await backend.set(key, value: value(expected), lifetime: .seconds(60))
                            onSuccess(key, started)
                            result.calls += 1
                            started = .now
                            let read = text(try await backend.get(key))
                            if read != expected {
                                let problem = "\(key): wrote \(expected), read \(read ?? "nothing")"
                                // An earlier round's value of this very key is stale, and so is no
                                // value at all (a write the old primary took and never replicated,
                                // read back from the new one); anything else is wrong.
                                let earlier = read.flatMap { text -> Int? in
                                    guard text.hasPrefix("w\(worker)-r"), let old = Int(text.dropFirst("w\(worker)-r".count)),
                                          old < round, old % keysPerWorker == round % keysPerWorker else { return nil }
                                    return old
                                }
                                if earlier != nil || read == nil {
                                    result.staleValues.append(problem)
                                } else {
                                    result.wrongValues.append(problem)
                                }
                            }
                            onSuccess(key, started)
                        } catch {
                            result.failures.append("\(key): \(error)")
                        }
                    }
                    return result
                }
            }
            var total = LoadResult()
            for await part in group {
                total.calls += part.calls
                total.failures += part.failures
                total.wrongValues += part.wrongValues
                total.staleValues += part.staleValues
            }
            return total
        }
    }
}
