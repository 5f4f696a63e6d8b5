// The memory backend's hit ratio under each eviction policy, for
// ../compare-hitratio.sh: a seeded Zipf(0.9) stream over 100,000 keys,
// 2,000,000 requests (a miss is followed by a set, as an application does),
// at 100 / 1,000 / 10,000 entries; and a scan-resistance run. Prints
// `<name> <policy> <hit %>` lines.
import Caching
import Foundation

/// SplitMix64: small, fast, and the same stream on every machine for a seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Ranks 0..<count drawn with probability proportional to 1 / (rank + 1)^s,
/// by binary search in the cumulative distribution.
struct Zipf {
    let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var sums = [Double](repeating: 0, count: count)
        var total = 0.0
        for rank in 0..<count {
            total += 1 / pow(Double(rank + 1), exponent)
            sums[rank] = total
        }
        cumulative = sums.map { $0 / total }
    }

    func next(_ generator: inout SeededGenerator) -> Int {
        let target = Double(generator.next() >> 11) / Double(1 << 53)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

let keyCount = 100_000
let requests = 2_000_000
let zipf = Zipf(count: keyCount, exponent: 0.9)
// Keys shuffled so that popularity says nothing about the key's text.
var shuffler = SeededGenerator(state: 7)
let keys = (0..<keyCount).map { "key-\($0)" }.shuffled(using: &shuffler)
let shards = CommandLine.arguments.dropFirst().first.flatMap { Int($0) }
let value = CacheValue.live(1)
func backend(_ policy: MemoryCachePolicy, size: Int, run: String) -> MemoryCacheBackend {
    MemoryCacheBackend(
        location: "hitratio-\(run)-\(policy)-\(size)",
        configuration: .init(maxEntries: size, clock: .monotonic, policy: policy, shards: shards))
}

/// One request: a get, and a set on a miss. Returns whether it hit.
@inline(__always)
func request(_ cache: MemoryCacheBackend, _ key: String) throws -> Bool {
    if cache.getSynchronously(key) != nil { return true }
    try cache.setSynchronously(key, value: value, lifetime: .forever)
    return false
}

func zipfPhase(_ cache: MemoryCacheBackend, _ count: Int, _ generator: inout SeededGenerator) throws -> Double {
    var hits = 0
    for _ in 0..<count {
        if try request(cache, keys[zipf.next(&generator)]) { hits += 1 }
    }
    return 100 * Double(hits) / Double(count)
}

for size in [100, 1_000, 10_000] {
    for policy in MemoryCachePolicy.allCases {
        var generator = SeededGenerator(state: 42)
        let cache = backend(policy, size: size, run: "zipf")
        let ratio = try zipfPhase(cache, requests, &generator)
        print("zipf-\(size) \(policy) \(String(format: "%.2f", ratio))")
    }
}

// Scan resistance: 1,000,000 Zipf requests, a one-pass scan of 1,000,000 new
// keys (each a miss and a set), then Zipf again; the figure is the hit ratio of
// the first 100,000 requests after the scan (how much of the hot set survived).
for size in [100, 1_000, 10_000] {
    for policy in MemoryCachePolicy.allCases {
        var generator = SeededGenerator(state: 42)
        let cache = backend(policy, size: size, run: "scan")
        _ = try zipfPhase(cache, 1_000_000, &generator)
        for index in 0..<1_000_000 { _ = try request(cache, "scan-\(index)") }
        let after = try zipfPhase(cache, 100_000, &generator)
        print("scan-\(size) \(policy) \(String(format: "%.2f", after))")
    }
}
