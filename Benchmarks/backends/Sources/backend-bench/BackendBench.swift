import Caching
import CachingBackends
import Foundation
import NIOCore
import NIOPosix
import RedisCaching

/// backend-bench ops SETTINGS_JSON [TASKS]
///     20,000 set, get-hit and get-miss over 2,000 keys on the `default` cache of
///     the settings, from TASKS concurrent tasks (default 1); prints `op ops/s`.
/// backend-bench tags SETTINGS_JSON [TASKS]
///     20,000 get-hits of untagged values, then of values stored with one tag
///     each (20 tags over 2,000 keys), on the `default` cache, from TASKS
///     concurrent tasks; prints `untagged-get ops/s` and `tagged-get ops/s`.
///     Never clears the cache (its keys carry their own prefix).
/// backend-bench nearcache follow|lead|throughput …
///     the near cache's probe (Sources/NearCacheProbe: one instance of an app),
///     for ../compare-nearcache.sh.
/// backend-bench postgres-nio URL TABLE
///     the floor under the PostgreSQL one-task lines: the backend's get
///     statement on a bare postgres-nio connection (PostgresNIOFloor.swift).
/// backend-bench redis URL CLIENTS DEPTH REQUESTS
///     redis-benchmark's SET and GET (3-byte value, one key) from CLIENTS
///     concurrent tasks, DEPTH commands per pipeline; prints `op ops/s`.
/// backend-bench redis-cluster SEEDS CLIENTS DEPTH REQUESTS
///     the same on a Redis Cluster through `RedisClusterClient` (SEEDS:
///     host:port,host:port…), each task on a key of its own hash tag, so the
///     load spreads over the primaries as redis-benchmark --cluster's does.
///
/// Environment, for profiling and for the README's executor measurement (the
/// compare scripts set neither):
/// - `BENCH_OPERATIONS=N` — N operations per phase instead of 20,000 (long
///   runs for `perf`);
/// - `BENCH_PHASES=get-hit,…` — only the named phases of `ops` (set,
///   get-hit, get-miss; the values a get needs are stored untimed), so that a
///   profile or CPU count holds one kind of call;
/// - `BENCH_EVENT_LOOPS=N` — N event loops in NIO's shared group instead of
///   one per core (with `NIO_EXECUTOR=1` and N = 1, callers and connections
///   share one thread: the least a call can hop);
/// - `NIO_EXECUTOR=1` — NIO's event loops as Swift Concurrency's global
///   executor (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()`,
///   as Vapor's app template offers), so tasks run on the loops that do the I/O.
@main
struct BackendBench {
    static let operations = ProcessInfo.processInfo.environment["BENCH_OPERATIONS"].flatMap { Int($0) } ?? 20_000
    static let keyCount = 2_000
    static let value = String(repeating: "v", count: 100)

    static func main() async throws {
        if let loops = ProcessInfo.processInfo.environment["BENCH_EVENT_LOOPS"].flatMap({ Int($0) }) {
            NIOSingletons.groupLoopCountSuggestion = loops
        }
        // Before any task runs: the executor can only be installed once, from the main thread.
        if ProcessInfo.processInfo.environment["NIO_EXECUTOR"] == "1" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: backend-bench ops SETTINGS [TASKS] | redis URL CLIENTS DEPTH REQUESTS\n".utf8))
            exit(2)
        }
        switch arguments[1] {
        case "ops":
            let settings = try CacheSettings(json: Data(arguments[2].utf8))
            let tasks = arguments.count > 3 ? Int(arguments[3]) ?? 1 : 1
            try await cacheOperations(Caches(settings: settings, registry: .allBackends).default, tasks: tasks)
        case "tags":
            let settings = try CacheSettings(json: Data(arguments[2].utf8))
            let tasks = arguments.count > 3 ? Int(arguments[3]) ?? 1 : 1
            try await tagReads(Caches(settings: settings, registry: .allBackends).default, tasks: tasks)
        case "nearcache":
            // NearCacheProbe.swift is the test-support executable's file, linked here.
            try await NearCacheProbe.run(Array(arguments.dropFirst()))
        case "postgres-nio":
            guard arguments.count == 4 else {
                FileHandle.standardError.write(Data("usage: backend-bench postgres-nio URL TABLE\n".utf8))
                exit(2)
            }
            try await PostgresNIOFloor.run(url: arguments[2], table: arguments[3], operations: operations)
        case "redis":
            guard arguments.count == 6, let clients = Int(arguments[3]), let depth = Int(arguments[4]),
                  let requests = Int(arguments[5]) else {
                FileHandle.standardError.write(Data("usage: backend-bench redis URL CLIENTS DEPTH REQUESTS\n".utf8))
                exit(2)
            }
            try await redis(url: arguments[2], clients: clients, depth: depth, requests: requests)
        case "redis-cluster":
            guard arguments.count == 6, let clients = Int(arguments[3]), let depth = Int(arguments[4]),
                  let requests = Int(arguments[5]) else {
                FileHandle.standardError.write(Data("usage: backend-bench redis-cluster SEEDS CLIENTS DEPTH REQUESTS\n".utf8))
                exit(2)
            }
            try await redisCluster(seeds: arguments[2], clients: clients, depth: depth, requests: requests)
        default:
            FileHandle.standardError.write(Data("unknown mode \(arguments[1])\n".utf8))
            exit(2)
        }
    }

    /// Runs `body(index)` for `count` indexes spread over `tasks` tasks; returns ops/s.
    static func timed(_ count: Int, tasks: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var index = task
                    while index < count {
                        try await body(index)
                        index += tasks
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / seconds
    }

    static func cacheOperations(_ cache: Cache, tasks: Int) async throws {
        try await cache.clear()
        let keys = (0..<keyCount).map { "key\($0)" }
        let missing = (0..<keyCount).map { "missing\($0)" }
        let value = Self.value
        // Warm up connections and statements.
        for key in keys.prefix(50) { try await cache.set(key, value) }
        let phases = ProcessInfo.processInfo.environment["BENCH_PHASES"].map { Set($0.split(separator: ",").map(String.init)) }
            ?? ["set", "get-hit", "get-miss"]
        if phases.contains("set") {
            let set = try await timed(operations, tasks: tasks) { try await cache.set(keys[$0 % keyCount], value) }
            print("set \(Int(set))")
        } else {
            for key in keys { try await cache.set(key, value) }
        }
        if phases.contains("get-hit") {
            let hit = try await timed(operations, tasks: tasks) {
                guard try await cache.get(keys[$0 % keyCount], as: String.self) != nil else { throw BenchError.unexpectedMiss }
            }
            print("get-hit \(Int(hit))")
        }
        if phases.contains("get-miss") {
            let miss = try await timed(operations, tasks: tasks) {
                guard try await cache.get(missing[$0 % keyCount], as: String.self) == nil else { throw BenchError.unexpectedHit }
            }
            print("get-miss \(Int(miss))")
        }
        try await cache.clear()
    }

    static func tagReads(_ cache: Cache, tasks: Int) async throws {
        let run = UUID().uuidString.prefix(8)
        let plain = (0..<keyCount).map { "tags-bench-\(run)-plain\($0)" }
        let tagged = (0..<keyCount).map { "tags-bench-\(run)-tagged\($0)" }
        let value = Self.value
        for index in 0..<keyCount {
            try await cache.set(plain[index], value)
            try await cache.set(tagged[index], value, tags: ["tags-bench-\(run)-\(index % 20)"])
        }
        // Interleaved rounds, best of three each: the machine is shared.
        var untaggedBest = 0.0
        var taggedBest = 0.0
        for _ in 0..<3 {
            untaggedBest = max(untaggedBest, try await timed(operations, tasks: tasks) {
                guard try await cache.get(plain[$0 % keyCount], as: String.self) != nil else { throw BenchError.unexpectedMiss }
            })
            taggedBest = max(taggedBest, try await timed(operations, tasks: tasks) {
                guard try await cache.get(tagged[$0 % keyCount], as: String.self) != nil else { throw BenchError.unexpectedMiss }
            })
        }
        try await cache.deleteMany(plain + tagged)
        try await cache.invalidate(tags: (0..<20).map { "tags-bench-\(run)-\($0)" })
        print("untagged-get \(Int(untaggedBest))")
        print("tagged-get \(Int(taggedBest))")
    }

    static func redis(url: String, clients: Int, depth: Int, requests: Int) async throws {
        let client = try RedisClient(url: url)
        defer { client.close() }
        let set = RESPCommand("SET", ["key:__rand_int__", "xxx"])
        let get = RESPCommand("GET", ["key:__rand_int__"])
        _ = try await client.send(set)
        for (name, command) in [("set", set), ("get", get)] {
            let batch = Array(repeating: command, count: depth)
            let rate = try await timed(requests / depth, tasks: clients) { _ in
                if depth == 1 {
                    _ = try await client.send(command).throwingServerError()
                } else {
                    for reply in try await client.pipeline(batch) { _ = try reply.throwingServerError() }
                }
            }
            print("\(name) \(Int(rate * Double(depth)))")
        }
    }

    static func redisCluster(seeds: String, clients: Int, depth: Int, requests: Int) async throws {
        let endpoints = try seeds.split(separator: ",").map { try RedisEndpoint(url: "redis://\($0)") }
        let client = try RedisClusterClient(seeds: endpoints)
        defer { client.close() }
        let keys = (0..<clients).map { "key:{\($0)}:__rand_int__" }
        for key in keys { _ = try await client.send(RESPCommand("SET", [.string(key), "xxx"]), slot: RedisClusterSlot.of(key)) }
        for name in ["set", "get"] {
            let commands = keys.map { key in
                name == "set" ? RESPCommand("SET", [.string(key), "xxx"]) : RESPCommand("GET", [.string(key)])
            }
            let slots = keys.map { RedisClusterSlot.of($0) }
            let counter = requests / depth
            let rate = try await timed(counter, tasks: clients) { index in
                let task = index % clients
                if depth == 1 {
                    _ = try await client.send(commands[task], slot: slots[task]).throwingServerError()
                } else {
                    let batch = Array(repeating: commands[task], count: depth)
                    for reply in try await client.pipeline(batch, slot: slots[task]) { _ = try reply.throwingServerError() }
                }
            }
            print("\(name) \(Int(rate * Double(depth)))")
        }
    }

    enum BenchError: Error {
        case unexpectedMiss
        case unexpectedHit
    }
}
