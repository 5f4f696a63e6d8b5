import Caching
import Foundation
import RedisCaching

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Test and benchmark support, not a product: one instance of an application
/// using a near cache, for the two-process test (NearCacheRedisTests) and
/// `Benchmarks/compare-nearcache.sh` (backend-bench links this file, through
/// a symbolic link, and calls ``run(_:)`` for its `nearcache` modes).
///
/// The settings must have a `near` alias (the near cache) and a `plain` alias
/// (the same Redis without the memory tier, for acknowledgements).
///
/// - `follow SETTINGS KEY ROUNDS`: reads KEY through `near` in a loop. Once
///   its tier listens it acknowledges 0 under `KEY:ack` (through `plain`);
///   each time it reads a larger integer it acknowledges it and prints
///   `seen <value> <CLOCK_MONOTONIC ns>`; a smaller one than already read
///   prints `regressed <last> <read>`. Stops after reading ROUNDS, printing
///   `memory-reads <reads made while the tier held a copy>`.
/// - `lead SETTINGS KEY ROUNDS`: the other process: waits for the `0`
///   acknowledgement, then for each round writes it through `near`, prints
///   `wrote <value> <CLOCK_MONOTONIC ns>` once the write returned, and waits
///   for its acknowledgement.
/// - `throughput SETTINGS ALIAS`: 200,000 get-hits over 100 keys on ALIAS
///   (best of three, one task); prints `get-hit <ops/s>`.
enum NearCacheProbe {
    /// Runs the mode in `arguments` (`follow`, `lead` or `throughput` and theirs).
    static func run(_ arguments: [String]) async throws {
        guard arguments.count >= 4 else {
            fail("usage: NearCacheProbe follow|lead SETTINGS KEY ROUNDS | throughput SETTINGS ALIAS")
        }
        var registry = CacheBackendRegistry.standard
        registry.registerRedisBackend()
        registry.registerNearBackend()
        let caches = try Caches(settings: CacheSettings(json: Data(arguments[2].utf8)), registry: registry)
        switch arguments[1] {
        case "follow":
            guard arguments.count == 5, let rounds = Int(arguments[4]) else { fail("follow SETTINGS KEY ROUNDS") }
            try await follow(caches, key: arguments[3], rounds: rounds)
        case "lead":
            guard arguments.count == 5, let rounds = Int(arguments[4]) else { fail("lead SETTINGS KEY ROUNDS") }
            try await lead(caches, key: arguments[3], rounds: rounds)
        case "throughput":
            try await throughput(try caches[arguments[3]])
        default:
            fail("unknown mode \(arguments[1])")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }

    /// CLOCK_MONOTONIC, in nanoseconds: one clock for every process of the machine.
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func follow(_ caches: Caches, key: String, rounds: Int) async throws {
        let near = try caches["near"]
        let plain = try caches["plain"]
        guard let tier = near.backend as? NearCacheBackend else { fail("the 'near' alias is not a near cache") }
        var last = 0
        var memoryReads = 0
        var ready = false
        let deadline = ContinuousClock.now + .seconds(60)
        while last < rounds {
            if ContinuousClock.now > deadline { fail("gave up after 60 s at \(last) of \(rounds)") }
            if tier.memoryCount > 0 { memoryReads += 1 }
            let value = try await near.get(key, as: Int.self) ?? 0
            if !ready, tier.isServingFromMemory {
                ready = true
                try await plain.set(key + ":ack", 0)
            }
            if value < last {
                say("regressed \(last) \(value)")
            } else if value > last {
                last = value
                say("seen \(value) \(now())")
                try await plain.set(key + ":ack", value)
            }
        }
        say("memory-reads \(memoryReads)")
    }

    static func lead(_ caches: Caches, key: String, rounds: Int) async throws {
        let near = try caches["near"]
        let plain = try caches["plain"]
        try await awaitAck(plain, key: key, atLeast: 0)
        for round in 1...rounds {
            // Let the follower read the previous value into its memory tier.
            try await Task.sleep(for: .milliseconds(2))
            try await near.set(key, round)
            say("wrote \(round) \(now())")
            try await awaitAck(plain, key: key, atLeast: round)
        }
    }

    static func awaitAck(_ plain: Cache, key: String, atLeast value: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try await plain.get(key + ":ack", as: Int.self) ?? -1 < value {
            if ContinuousClock.now > deadline { fail("no acknowledgement of \(value) within 30 s") }
            try await Task.sleep(for: .microseconds(200))
        }
    }

    static func throughput(_ cache: Cache) async throws {
        let keys = (0..<100).map { "near-probe-\($0)" }
        for key in keys { try await cache.set(key, String(repeating: "v", count: 100)) }
        // Warm the memory tier (and the connections).
        for key in keys { _ = try await cache.get(key, as: String.self) }
        let operations = cache.backend is NearCacheBackend ? 200_000 : 20_000
        var best = 0.0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            for index in 0..<operations {
                guard try await cache.get(keys[index % keys.count], as: String.self) != nil else { fail("unexpected miss") }
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            best = max(best, Double(operations) / seconds)
        }
        try await cache.deleteMany(keys)
        say("get-hit \(Int(best))")
    }
}
