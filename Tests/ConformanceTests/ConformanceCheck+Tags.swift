import Caching
import CachingTestSupport
import Synchronization
import Testing

/// The newest value a writer's `set` has completed for, shared with the task
/// that checks it.
private final class Completed: Sendable {
    let value = Atomic<Int>(0)
    /// Set when the writer must stop (not task cancellation: a backend may
    /// answer a cancelled write with `CancellationError`).
    let stop = Atomic<Bool>(false)
}

extension ConformanceCheck {
    /// Tags (issue 18): one implementation at the front end, so every backend
    /// must give the same answers.
    static let tags: [ConformanceCheck] = [
        ConformanceCheck(name: "tags: a tagged value is a hit until its tag is invalidated") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("card", "red", tags: ["product:42"])
            try await cache.set("other", "blue", tags: ["product:43"])
            try await cache.set("plain", "green")
            #expect(try await cache.get("card", as: String.self) == "red")
            try await cache.invalidate(tags: ["product:42"])
            #expect(try await cache.get("card", as: String.self) == nil)
            #expect(try await cache.get("other", as: String.self) == "blue")
            #expect(try await cache.get("plain", as: String.self) == "green")
        },
        ConformanceCheck(name: "tags: a value with two tags is dropped by either") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("a", 1, tags: ["x", "y"])
            try await cache.set("b", 2, tags: ["x", "y"])
            try await cache.invalidate(tags: ["y"])
            #expect(try await cache.get("a", as: Int.self) == nil)
            try await cache.set("a", 3, tags: ["x", "y"])
            try await cache.invalidate(tags: ["x"])
            #expect(try await cache.get("a", as: Int.self) == nil)
            #expect(try await cache.get("b", as: Int.self) == nil)
        },
        ConformanceCheck(name: "tags: a value set again after an invalidation is a hit") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("k", "old", tags: ["t"])
            try await cache.invalidate(tags: ["t"])
            try await cache.set("k", "new", tags: ["t"])
            #expect(try await cache.get("k", as: String.self) == "new")
            // add takes a key whose value was invalidated, as a missing key.
            try await cache.invalidate(tags: ["t"])
            #expect(try await cache.add("k", "added", tags: ["t"]))
            #expect(try await cache.get("k", as: String.self) == "added")
            #expect(try await cache.add("k", "again", tags: ["t"]) == false)
        },
        ConformanceCheck(name: "tags: getMany drops invalidated values and keeps the rest") { fixture in
            let cache = try await fresh(fixture)
            try await cache.setMany(["a": 1, "b": 2], tags: ["t1"])
            try await cache.set("c", 3, tags: ["t2"])
            try await cache.set("d", 4)
            #expect(try await cache.getMany(["a", "b", "c", "d"], as: Int.self) == ["a": 1, "b": 2, "c": 3, "d": 4])
            try await cache.invalidate(tags: ["t1"])
            #expect(try await cache.getMany(["a", "b", "c", "d", "e"], as: Int.self) == ["c": 3, "d": 4])
        },
        ConformanceCheck(name: "tags: getOrSet and fragments store with tags") { fixture in
            let cache = try await fresh(fixture)
            #expect(try await cache.getOrSet("k", tags: ["t"]) { 1 } == 1)
            #expect(try await cache.getOrSet("k", tags: ["t"]) { 2 } == 1)
            #expect(try await cache.fragment("sidebar", tags: ["t"]) { "one" } == "one")
            #expect(try await cache.fragment("sidebar", tags: ["t"]) { "two" } == "one")
            try await cache.invalidate(tags: ["t"])
            #expect(try await cache.getOrSet("k", tags: ["t"]) { 2 } == 2)
            #expect(try await cache.get("k", as: Int.self) == 2)
            #expect(try await cache.fragment("sidebar", tags: ["t"]) { "two" } == "two")
            #expect(try await cache.fragment("sidebar", tags: ["t"]) { "three" } == "two")
        },
        ConformanceCheck(name: "tags: another Cache on the same store sees the invalidation") { fixture in
            let token = freshStoreToken()
            let first = try await fixture.cache(FixtureOptions(store: token, keyPrefix: "shared"))
            let second = try await fixture.cache(FixtureOptions(store: token, keyPrefix: "shared"))
            try await first.set("k", "v", tags: ["t"])
            #expect(try await second.get("k", as: String.self) == "v")
            try await second.invalidate(tags: ["t"])
            #expect(try await first.get("k", as: String.self) == nil)
            #expect(try await second.get("k", as: String.self) == nil)
        },
        ConformanceCheck(name: "tags: a lost tag version makes its values misses, never stale hits") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("k", "v", tags: ["t"])
            // As an LRU eviction (memory, memcached) would lose it.
            #expect(try await cache.backend.delete(try cache.tagKey("t")))
            #expect(try await cache.get("k", as: String.self) == nil)
            // A tag recreated by a later set has a new version: still a miss.
            try await cache.set("other", "w", tags: ["t"])
            #expect(try await cache.get("k", as: String.self) == nil)
            #expect(try await cache.get("other", as: String.self) == "w")
        },
        ConformanceCheck(name: "tags: untagged values are stored exactly as before") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("plain", "text")
            let raw = try await cache.backend.get(cache.makeKey("plain"))
            if case .bytes(let bytes)? = raw {
                #expect(bytes == Array("stext".utf8))
            }
            try await cache.set("tagged", "text", tags: ["t"])
            if case .bytes(let bytes)? = try await cache.backend.get(cache.makeKey("tagged")) {
                #expect(bytes.first == 0 && Array(bytes.suffix(5)) == Array("stext".utf8))
            }
        },
        ConformanceCheck(name: "tags: bad tag names warn or fail as keys do") { fixture in
            for (tag, message) in [
                ("bad tag", "Cache key contains characters that will cause errors if used with memcached: ':1::tag:bad tag'"),
                (String(repeating: "t", count: 250),
                 "Cache key will cause errors if used with memcached: ':1::tag:\(String(repeating: "t", count: 250))' (longer than 250)"),
            ] {
                let capture = LogCapture()
                let cache = try await fresh(fixture) { $0.logger = capture.logger }
                let operations: [(String, () async throws -> Void)] = [
                    ("set", { try await cache.set("k", 1, tags: [tag]) }),
                    ("invalidate", { try await cache.invalidate(tags: [tag]) }),
                ]
                for (operation, body) in operations {
                    capture.reset()
                    if fixture.rejectsInvalidKeys {
                        do {
                            try await body()
                            Issue.record("\(operation) accepted an invalid tag")
                        } catch CacheError.invalidKey(let text) {
                            #expect(text == message, "\(operation)")
                        }
                    } else {
                        try await body()
                        #expect(capture.warnings.contains(message), "\(operation): \(capture.warnings)")
                    }
                }
            }
        },
        ConformanceCheck(name: "tags: no get after an invalidation returns a value set before it began") { fixture in
            let cache = try await fresh(fixture)
            let completed = Completed()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // However the loop below ends (a call that throws, say a
                // timeout on a loaded machine), the writer stops: the group
                // waits for it, and a writer that never stopped hung a CI run.
                defer { completed.stop.store(true, ordering: .sequentiallyConsistent) }
                group.addTask {
                    var value = 0
                    while !completed.stop.load(ordering: .sequentiallyConsistent) && !Task.isCancelled {
                        value += 1
                        try await cache.set("race", value, tags: ["race"])
                        completed.value.store(value, ordering: .sequentiallyConsistent)
                        await Task.yield()
                    }
                }
                for _ in 0..<40 {
                    let before = completed.value.load(ordering: .sequentiallyConsistent)
                    try await cache.invalidate(tags: ["race"])
                    if let seen = try await cache.get("race", as: Int.self) {
                        #expect(seen > before, "a value whose set completed before the invalidation began was served")
                    }
                    await Task.yield()
                }
                completed.stop.store(true, ordering: .sequentiallyConsistent)
                try await group.waitForAll()
            }
            #expect(completed.value.load(ordering: .sequentiallyConsistent) > 0)
        },
    ]
}
