// The memory backend's side of compare-memory.sh: the same workload as
// django_locmem.py, printed as `<operation> <ops/s>` lines.
import Caching
import Foundation

struct Record: Codable, Sendable {
    var id: Int
    var name: String
    var tags: [String]
}

let operations = 200_000
let keyCount = 10_000
let keys = (0..<keyCount).map { "key-\($0)" }
let missingKeys = (0..<keyCount).map { "missing-\($0)" }
let records = (0..<keyCount).map { Record(id: $0, name: "name-\($0)", tags: ["red", "blue"]) }

func makeCache(_ location: String, maxEntries: Int = 20_000) -> Cache {
    Cache(backend: MemoryCacheBackend(location: location, configuration: .init(maxEntries: maxEntries)))
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    return Double(operations) / seconds(try await clock.measure { try await body() })
}

func singleTask() async throws {
    let cache = makeCache("bench-single")
    var sink = 0
    // Warm up (and fill) once.
    for index in 0..<keyCount { try await cache.set(keys[index], records[index]) }
    let set = try await measure {
        for index in 0..<operations { try await cache.set(keys[index % keyCount], records[index % keyCount]) }
    }
    let hit = try await measure {
        for index in 0..<operations { sink &+= try await cache.get(keys[index % keyCount], as: Record.self)?.id ?? 0 }
    }
    let miss = try await measure {
        for index in 0..<operations { sink &+= try await cache.get(missingKeys[index % keyCount], as: Record.self)?.id ?? 0 }
    }
    print("set \(Int(set))")
    print("get-hit \(Int(hit))")
    print("get-miss \(Int(miss))")
    if sink == 42 { print("") }
}

/// Mixed operations (one set in four) from `tasks` concurrent tasks for a fixed
/// time, as ops/s. Every run lasts the same 0.5 s whatever the task count (so a
/// best-of-five compares rounds equally exposed to the machine's noise), and
/// each task yields every 4,096 operations (about a millisecond), as a server's
/// request handlers suspend: with more tasks than cores, the tasks take turns
/// on the cores instead of running one batch after another. (Yielding every
/// 256 operations cost one task a third of its rate here: a yield can move the
/// task to the pool's other thread, and its cache lines with it.)
func concurrent(tasks: Int) async throws {
    let cache = makeCache("bench-concurrent")
    for index in 0..<keyCount { try await cache.set(keys[index], records[index]) }
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + .milliseconds(500)
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var index = 0
                while clock.now < deadline {
                    for _ in 0..<4096 {
                        let slot = (index &+ task &* 7919) % keyCount
                        if index % 4 == 0 {
                            try await cache.set(keys[slot], records[slot])
                        } else {
                            _ = try await cache.get(keys[slot], as: Record.self)
                        }
                        index += 1
                    }
                    await Task.yield()
                }
                return index
            }
        }
        return try await group.reduce(0, +)
    }
    print("concurrent-\(tasks)-tasks-mixed \(Int(Double(total) / seconds(clock.now - start)))")
}

func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return kilobytes * 1024
    }
    return 0
}

func bytesPerEntry() async throws {
    let count = 1_000_000
    let cache = makeCache("bench-memory", maxEntries: count + 1)
    let before = residentBytes()
    for index in 0..<count {
        try await cache.set("entry-\(index)", Record(id: index, name: "name-\(index)", tags: ["red", "blue"]))
    }
    let after = residentBytes()
    print("bytes-per-entry \((after - before) / count)")
}

/// One operation alone, for profilers (`valgrind --tool=callgrind memory-bench profile get-miss`).
func profile(_ operation: String) async throws {
    let cache = makeCache("bench-profile")
    for index in 0..<keyCount { try await cache.set(keys[index], records[index]) }
    var sink = 0
    let count = Int(ProcessInfo.processInfo.environment["PROFILE_OPERATIONS"] ?? "") ?? operations
    for index in 0..<count {
        switch operation {
        case "set": try await cache.set(keys[index % keyCount], records[index % keyCount])
        case "get-hit": sink &+= try await cache.get(keys[index % keyCount], as: Record.self)?.id ?? 0
        default: sink &+= try await cache.get(missingKeys[index % keyCount], as: Record.self)?.id ?? 0
        }
    }
    if sink == 42 { print("") }
}

let mode = CommandLine.arguments.dropFirst().first ?? "all"
if mode == "profile" { try await profile(CommandLine.arguments.dropFirst(2).first ?? "get-miss") }
if mode == "all" || mode == "single" { try await singleTask() }
if mode == "all" || mode == "concurrent" {
    try await concurrent(tasks: 1)
    try await concurrent(tasks: 2)
    try await concurrent(tasks: 4)
}
if mode == "all" || mode == "memory" { try await bytesPerEntry() }
// One task count alone, in a fresh process: compare-memory.sh's scaling
// rounds, and `perf stat` (CPU per operation shows contention even on a busy
// machine, where wall-clock rates do not).
if mode == "tasks" { try await concurrent(tasks: Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 1) }
