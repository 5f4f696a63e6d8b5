import Caching
import Foundation
import Testing

@Suite("Memory backend")
struct MemoryCacheBackendTests {
    func cache(maxEntries: Int = 300, cullFrequency: Int = 3, maxBytes: Int? = nil,
               clock: CacheClock = .monotonic, location: String = UUID().uuidString) -> (Cache, MemoryCacheBackend) {
        let backend = MemoryCacheBackend(
            location: location,
            configuration: .init(maxEntries: maxEntries, cullFrequency: cullFrequency, maxBytes: maxBytes, clock: clock))
        return (Cache(backend: backend), backend)
    }

    @Test("Django's worked culling example: max 5, keys 0...7 leave 7, 6, 5, 4, 3")
    func workedCullingExample() async throws {
        let (cache, backend) = cache(maxEntries: 5)
        for key in 0...7 { try await cache.set("\(key)", key) }
        #expect(backend.keysInRecencyOrder() == [":1:7", ":1:6", ":1:5", ":1:4", ":1:3"])
    }

    @Test("LRU: reading keys 0...5 then setting 9 evicts 6...8", arguments: ["get", "set", "incr"])
    func lruOrder(operation: String) async throws {
        let (cache, _) = cache(maxEntries: 9)
        for key in 0..<9 { try await cache.set("\(key)", key) }
        for key in 0..<6 {
            switch operation {
            case "get": _ = try await cache.get("\(key)", as: Int.self)
            case "set": try await cache.set("\(key)", key)
            default: try await cache.increment("\(key)")
            }
        }
        try await cache.set("9", 9)
        for key in 0..<6 { #expect(try await cache.hasKey("\(key)"), "key \(key)") }
        for key in 6..<9 { #expect(try await cache.hasKey("\(key)") == false, "key \(key)") }
        #expect(try await cache.hasKey("9"))
    }

    @Test("LRU variant: re-setting 3...8 evicts 0...2")
    func lruResetVariant() async throws {
        let (cache, _) = cache(maxEntries: 9)
        for key in 0..<9 { try await cache.set("\(key)", key) }
        for key in 3..<9 { try await cache.set("\(key)", key) }
        try await cache.set("9", 9)
        for key in 0..<3 { #expect(try await cache.hasKey("\(key)") == false) }
        for key in 3..<10 { #expect(try await cache.hasKey("\(key)")) }
    }

    @Test("hasKey and touch do not change recency")
    func hasKeyAndTouchKeepOrder() async throws {
        let (cache, backend) = cache()
        try await cache.set("a", 1)
        try await cache.set("b", 2)
        _ = try await cache.hasKey("a")
        _ = try await cache.touch("a", timeout: 10)
        #expect(backend.keysInRecencyOrder() == [":1:b", ":1:a"])
    }

    @Test("locations share a store; different locations are isolated")
    func locations() async throws {
        let location = UUID().uuidString
        let (first, _) = cache(location: location)
        let (second, _) = cache(location: location)
        let (other, _) = cache()
        try await first.set("shared", "yes")
        #expect(try await second.get("shared", as: String.self) == "yes")
        #expect(try await other.get("shared", as: String.self) == nil)
    }

    @Test("expiry at exactly the deadline, on a manual clock; increment keeps the expiry")
    func manualClockExpiry() async throws {
        let time = ManualClockSource()
        let (cache, _) = cache(clock: .manual(time))
        try await cache.set("k", 1, timeout: 10)
        try await cache.increment("k")
        time.advance(by: 9.999)
        #expect(try await cache.get("k", as: Int.self) == 2)
        time.advance(by: 0.001)
        #expect(try await cache.get("k", as: Int.self) == nil)
        do {
            try await cache.increment("k")
            Issue.record("increment of an expired key succeeded")
        } catch CacheError.keyNotFound(let key) {
            #expect(key == ":1:k")
        }
    }

    @Test("culling drops expired entries before live ones")
    func cullingPrefersExpired() async throws {
        let time = ManualClockSource()
        let (cache, _) = cache(maxEntries: 4, clock: .manual(time))
        try await cache.set("live1", 1, timeout: 100)
        try await cache.set("dead1", 1, timeout: 1)
        try await cache.set("dead2", 1, timeout: 1)
        try await cache.set("live2", 1, timeout: 100)
        time.advance(by: 5)
        try await cache.set("new", 1)
        #expect(try await cache.hasKey("live1"))
        #expect(try await cache.hasKey("live2"))
        #expect(try await cache.hasKey("new"))
    }

    @Test("a byte budget evicts the least recently used and rejects values larger than the budget")
    func byteBudget() async throws {
        let (cache, backend) = cache(maxBytes: 100)
        try await cache.set("a", String(repeating: "x", count: 40))
        try await cache.set("b", String(repeating: "y", count: 40))
        _ = try await cache.get("a", as: String.self)
        try await cache.set("c", String(repeating: "z", count: 40))
        #expect(try await cache.hasKey("a"))
        #expect(try await cache.hasKey("b") == false)
        #expect(try await cache.hasKey("c"))
        #expect(backend.totalBytes <= 100)
        await #expect(throws: CacheError.self) {
            try await cache.set("huge", String(repeating: "h", count: 500))
        }
        #expect(try await cache.get("a", as: String.self)?.count == 40)
    }

    @Test("values are copies: mutating after set does not reach the cache")
    func valueSemantics() async throws {
        let (cache, _) = cache()
        var list = [1, 2, 3]
        try await cache.set("list", list)
        list.append(4)
        #expect(try await cache.get("list", as: [Int].self) == [1, 2, 3])
    }

    @Test("concurrent tasks see consistent counters")
    func concurrentIncrements() async throws {
        let (cache, _) = cache(maxEntries: 100_000)
        try await cache.set("counter", 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<500 { try await cache.increment("counter") } }
            }
            try await group.waitForAll()
        }
        #expect(try await cache.get("counter", as: Int.self) == 4000)
    }

    @Test("an overflowing increment is a typed error and leaves the value")
    func overflow() async throws {
        let (cache, _) = cache()
        try await cache.set("big", Int.max)
        await #expect(throws: CacheError.integerOverflow(key: ":1:big")) { try await cache.increment("big") }
        #expect(try await cache.get("big", as: Int.self) == Int.max)
    }
}
