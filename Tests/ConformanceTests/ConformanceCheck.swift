import Caching
import Foundation
import Testing

/// A value with some structure, for the data-type checks.
struct Record: Codable, Sendable, Equatable {
    var id: Int
    var name: String
    var tags: [String]
}

/// One behaviour every backend must have (spec §11, BaseCacheTests), run against
/// a ``BackendFixture``.
struct ConformanceCheck: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (BackendFixture) async throws -> Void

    var testDescription: String { name }

    /// The clock of the running check when its fixture takes an injected clock.
    ///
    /// Server round trips on a loaded CI machine can take longer than the
    /// one-second lifetimes these checks use, so for backends that accept a
    /// ``CacheClock`` the checks move a manual clock instead of sleeping: the
    /// expiry arithmetic is exercised exactly, and no check depends on how
    /// busy the machine is. Backends whose expiry lives in a server (Redis,
    /// memcached) sleep for real.
    @TaskLocal static var clock: ManualClockSource?

    func run(_ fixture: BackendFixture) async throws {
        guard fixture.acceptsClock else { return try await runWithRealTime(fixture) }
        try await Self.$clock.withValue(ManualClockSource(start: CacheClock.wall.now())) {
            try await body(fixture)
        }
    }

    /// Runs the check on a backend whose expiry is a server's real clock. A
    /// check that finds the machine stalled past a lifetime before it could
    /// look (``Window/confirm()`` throws ``Stalled``) proves nothing either way,
    /// so it runs again on a fresh store, up to five times (a full suite on
    /// two cores stalled three windows in a row in a CI rehearsal).
    private func runWithRealTime(_ fixture: BackendFixture) async throws {
        for attempt in 1...5 {
            do {
                return try await body(fixture)
            } catch is Stalled where attempt < 5 {
                continue
            }
        }
    }

    /// Thrown by ``Window/confirm()``: real time ran past a lifetime the check
    /// relies on before it could look, so its observation is not evidence.
    struct Stalled: Error, CustomStringConvertible {
        let seconds: Double
        let elapsed: Double
        var description: String {
            "the machine stalled: \(elapsed) s passed in a window of \(seconds) s, five times; the check could not observe the backend in time"
        }
    }

    /// A span of real time an observation must fall in, started when a key is
    /// stored with a lifetime. With a manual clock (no real expiry) it never
    /// closes.
    struct Window {
        let seconds: Double
        let start = ContinuousClock.now

        /// Throws ``Stalled`` when more than `seconds` of real time passed since
        /// the window opened. Call it after reading the backend and before the
        /// expectations on what was read.
        func confirm() throws {
            guard ConformanceCheck.clock == nil else { return }
            let elapsed = start.duration(to: .now) / .seconds(1)
            if elapsed > seconds { throw Stalled(seconds: seconds, elapsed: elapsed) }
        }

        /// Runs a read or write inside the window: when it fails after the
        /// window has passed (the key may have expired during the stall), the
        /// failure proves nothing and is reported as ``Stalled``.
        func guarding<T>(_ operation: () async throws -> T) async throws -> T {
            do {
                return try await operation()
            } catch {
                try confirm()
                throw error
            }
        }
    }

    /// A cache on a fresh store.
    static func fresh(_ fixture: BackendFixture, _ configure: (inout FixtureOptions) -> Void = { _ in }) async throws -> Cache {
        var options = FixtureOptions(store: freshStoreToken())
        configure(&options)
        return try await fixture.cache(options)
    }

    /// Lets `seconds` pass: on the check's manual clock when there is one,
    /// otherwise in real time.
    static func sleep(_ seconds: Double) async throws {
        if let clock { return clock.advance(by: seconds) }
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }

    static let all: [ConformanceCheck] = basics + manyKeys + counters + lifetimes + keys + versions + getOrSet + culling + tags
}

extension ConformanceCheck {
    static let basics: [ConformanceCheck] = [
        ConformanceCheck(name: "simple set and get") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("key", "value")
            #expect(try await cache.get("key", as: String.self) == "value")
        },
        ConformanceCheck(name: "a stored nil is not the default") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("null", String?.none)
            let stored = try await cache.get("null", as: String?.self)
            #expect(stored == .some(nil))
            #expect(try await cache.get("null", default: "default" as String?) == nil)
            #expect(try await cache.hasKey("null"))
        },
        ConformanceCheck(name: "add stores only when absent") { fixture in
            let cache = try await fresh(fixture)
            #expect(try await cache.add("addkey1", "value"))
            #expect(try await cache.add("addkey1", "newvalue") == false)
            #expect(try await cache.get("addkey1", as: String.self) == "value")
        },
        ConformanceCheck(name: "key prefixes isolate caches on one store") { fixture in
            let token = freshStoreToken()
            let plain = try await fixture.cache(FixtureOptions(store: token))
            let prefixed = try await fixture.cache(FixtureOptions(store: token, keyPrefix: "cacheprefix"))
            try await plain.set("somekey", "value")
            #expect(try await plain.hasKey("somekey"))
            #expect(try await prefixed.hasKey("somekey") == false)
            try await prefixed.set("somekey", "value2")
            #expect(try await plain.get("somekey", as: String.self) == "value")
            #expect(try await prefixed.get("somekey", as: String.self) == "value2")
        },
        ConformanceCheck(name: "a missing key gives nil or the default") { fixture in
            let cache = try await fresh(fixture)
            #expect(try await cache.get("does_not_exist", as: String.self) == nil)
            #expect(try await cache.get("does_not_exist", default: "bang!") == "bang!")
        },
        ConformanceCheck(name: "delete reports what it removed") { fixture in
            let cache = try await fresh(fixture)
            try await cache.setMany(["key1": "spam", "key2": "eggs"])
            #expect(try await cache.delete("key1"))
            #expect(try await cache.get("key1", as: String.self) == nil)
            #expect(try await cache.get("key2", as: String.self) == "eggs")
            #expect(try await cache.delete("key1") == false)
            #expect(try await cache.delete("never-set") == false)
        },
        ConformanceCheck(name: "hasKey sees live keys, forever keys and nil values") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("hello1", "goodbye1")
            #expect(try await cache.hasKey("hello1"))
            #expect(try await cache.hasKey("goodbye1") == false)
            try await cache.set("no_expiry", "here", timeout: .never)
            #expect(try await cache.hasKey("no_expiry"))
            try await cache.set("null", Int?.none)
            #expect(try await cache.hasKey("null"))
        },
        ConformanceCheck(name: "close can be called and the cache still works") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("k", 1)
            try await cache.close()
            #expect(try await cache.get("k", as: Int.self) == 1)
        },
        ConformanceCheck(name: "data types round-trip") { fixture in
            let cache = try await fresh(fixture)
            let record = Record(id: 42, name: "Ada", tags: ["math", "engine"])
            try await cache.set("record", record)
            #expect(try await cache.get("record", as: Record.self) == record)
            try await cache.set("string", "hello")
            #expect(try await cache.get("string", as: String.self) == "hello")
            try await cache.set("int", -17)
            #expect(try await cache.get("int", as: Int.self) == -17)
            try await cache.set("bool", true)
            #expect(try await cache.get("bool", as: Bool.self) == true)
            try await cache.set("double", 1.5)
            #expect(try await cache.get("double", as: Double.self) == 1.5)
            try await cache.set("list", [1, 2, 3])
            #expect(try await cache.get("list", as: [Int].self) == [1, 2, 3])
            try await cache.set("dict", ["a": 1, "b": 2])
            #expect(try await cache.get("dict", as: [String: Int].self) == ["a": 1, "b": 2])
            try await cache.set("empty", "")
            #expect(try await cache.get("empty", as: String.self) == "")
            try await cache.set("digits", "12345")
            #expect(try await cache.get("digits", as: String.self) == "12345")
        },
        ConformanceCheck(name: "asking for the wrong type is a typed error") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("text", "not a number")
            await #expect(throws: CacheError.self) { try await cache.get("text", as: Int.self) }
            try await cache.set("number", 5)
            await #expect(throws: CacheError.self) { try await cache.get("number", as: String.self) }
        },
        ConformanceCheck(name: "unicode keys and values") { fixture in
            let cache = try await fresh(fixture)
            let entries = [
                "ascii": "ascii_value",
                "unicode_ascii": "Iñtërnâtiônàlizætiøn1",
                "Iñtërnâtiônàlizætiøn": "Iñtërnâtiônàlizætiøn2",
                "ascii2": "清",
            ]
            for (key, value) in entries {
                try await cache.set(key, value)
                #expect(try await cache.get(key, as: String.self) == value)
                _ = try await cache.delete(key)
                #expect(try await cache.add(key, value))
                #expect(try await cache.get(key, as: String.self) == value)
                _ = try await cache.delete(key)
            }
            try await cache.setMany(entries)
            for (key, value) in entries {
                #expect(try await cache.get(key, as: String.self) == value)
            }
        },
        ConformanceCheck(name: "binary values round-trip") { fixture in
            let cache = try await fresh(fixture)
            let bytes: [UInt8] = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            try await cache.set("binary1", bytes)
            #expect(try await cache.get("binary1", as: [UInt8].self) == bytes)
            #expect(try await cache.add("binary1-add", bytes))
            #expect(try await cache.get("binary1-add", as: [UInt8].self) == bytes)
            try await cache.setMany(["binary1-set_many": bytes])
            #expect(try await cache.get("binary1-set_many", as: [UInt8].self) == bytes)
            let data = Data(bytes)
            try await cache.set("data", data)
            #expect(try await cache.get("data", as: Data.self) == data)
        },
        ConformanceCheck(name: "clear empties the cache") { fixture in
            let cache = try await fresh(fixture)
            try await cache.setMany(["key1": "spam", "key2": "eggs"])
            try await cache.clear()
            #expect(try await cache.get("key1", as: String.self) == nil)
            #expect(try await cache.get("key2", as: String.self) == nil)
        },
    ]

    static let manyKeys: [ConformanceCheck] = [
        ConformanceCheck(name: "getMany returns the present keys") { fixture in
            let cache = try await fresh(fixture)
            try await cache.setMany(["a": "a", "b": "b", "c": "c", "d": "d"])
            #expect(try await cache.getMany(["a", "c", "d"], as: String.self) == ["a": "a", "c": "c", "d": "d"])
            #expect(try await cache.getMany(["a", "b", "e"], as: String.self) == ["a": "a", "b": "b"])
            #expect(try await cache.getMany(["a", "b", "e"].makeIterator().lazy.map { $0 }, as: String.self) == ["a": "a", "b": "b"])
            #expect(try await cache.getMany([String](), as: String.self).isEmpty)
        },
        ConformanceCheck(name: "getMany includes stored nils") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("x", String?.none)
            let found = try await cache.getMany(["x", "y"], as: String?.self)
            #expect(found.count == 1)
            #expect(found["x"] == .some(nil))
        },
        ConformanceCheck(name: "setMany stores, returns no failures, honours timeouts") { fixture in
            let cache = try await fresh(fixture)
            #expect(try await cache.setMany(["key1": "spam", "key2": "eggs"]).isEmpty)
            #expect(try await cache.get("key1", as: String.self) == "spam")
            #expect(try await cache.get("key2", as: String.self) == "eggs")
            #expect(try await cache.setMany([String: String]()).isEmpty)
            try await cache.setMany(["short1": "a", "short2": "b"], timeout: 1)
            try await sleep(2.1)
            #expect(try await cache.get("short1", as: String.self) == nil)
            #expect(try await cache.get("short2", as: String.self) == nil)
        },
        ConformanceCheck(name: "deleteMany removes some keys, and takes none") { fixture in
            let cache = try await fresh(fixture)
            try await cache.setMany(["key1": "spam", "key2": "eggs", "key3": "ham"])
            try await cache.deleteMany(["key1", "key2"])
            #expect(try await cache.get("key1", as: String.self) == nil)
            #expect(try await cache.get("key2", as: String.self) == nil)
            #expect(try await cache.get("key3", as: String.self) == "ham")
            try await cache.deleteMany([String]())
        },
    ]

    static let counters: [ConformanceCheck] = [
        ConformanceCheck(name: "increment and decrement") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("answer", 41)
            #expect(try await cache.increment("answer") == 42)
            #expect(try await cache.get("answer", as: Int.self) == 42)
            #expect(try await cache.increment("answer", by: 10) == 52)
            #expect(try await cache.increment("answer", by: -10) == 42)
            #expect(try await cache.decrement("answer") == 41)
            #expect(try await cache.decrement("answer", by: 10) == 31)
            #expect(try await cache.decrement("answer", by: -10) == 41)
            #expect(try await cache.get("answer", as: Int.self) == 41)
            await #expect(throws: CacheError.self) { try await cache.increment("does_not_exist") }
            await #expect(throws: CacheError.self) { try await cache.increment("does_not_exist", by: -1) }
            await #expect(throws: CacheError.self) { try await cache.decrement("does_not_exist") }
            try await cache.set("text", "not a number")
            await #expect(throws: CacheError.self) { try await cache.increment("text") }
        },
        ConformanceCheck(name: "a missing key is keyNotFound") { fixture in
            let cache = try await fresh(fixture)
            do {
                try await cache.increment("nope")
                Issue.record("increment of a missing key succeeded")
            } catch let error as CacheError {
                guard case .keyNotFound = error else {
                    Issue.record("expected keyNotFound, got \(error)")
                    return
                }
            }
        },
        ConformanceCheck(name: "increment keeps the expiry") { fixture in
            let cache = try await fresh(fixture)
            // 3 s: see "touch extends life" for memcached's whole-second clock.
            let window = Window(seconds: 2)
            try await cache.set("counter", 1, timeout: 3)
            let incremented = try await window.guarding { try await cache.increment("counter") }
            try window.confirm()
            #expect(incremented == 2)
            try await sleep(4.1)
            #expect(try await cache.get("counter", as: Int.self) == nil)
            try await cache.set("forever", 1, timeout: .never)
            #expect(try await cache.increment("forever") == 2)
            #expect(try await cache.get("forever", as: Int.self) == 2)
        },
    ]

    static let lifetimes: [ConformanceCheck] = [
        ConformanceCheck(name: "expired keys are gone") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("expire1", "very quickly", timeout: 1)
            try await cache.set("expire2", "very quickly", timeout: 1)
            try await cache.set("expire3", "very quickly", timeout: 1)
            try await sleep(2.1)
            #expect(try await cache.get("expire1", as: String.self) == nil)
            #expect(try await cache.add("expire2", "newvalue"))
            #expect(try await cache.get("expire2", as: String.self) == "newvalue")
            #expect(try await cache.hasKey("expire3") == false)
        },
        ConformanceCheck(name: "touch extends life, uses the default, misses missing keys") { fixture in
            let cache = try await fresh(fixture)
            // memcached counts expiry on a clock that ticks once a second, so
            // a lifetime of N seconds ends between N-1 and N seconds after the
            // store (later still if the server is slow to tick). So a key used
            // right after it is stored gets 3 s, not 1 (a 1 s key may be gone a
            // millisecond later), a key expected alive is looked at well before
            // N-1 seconds, and one expected gone more than a second after N.
            let first = Window(seconds: 2)
            try await cache.set("expire1", "very quickly", timeout: 3)
            let touched = try await cache.touch("expire1", timeout: 6)
            try first.confirm()
            #expect(touched)
            let touchedWindow = Window(seconds: 5)
            try await sleep(3.1)
            let alive = try await cache.hasKey("expire1")
            try touchedWindow.confirm()
            #expect(alive)
            try await sleep(4)
            #expect(try await cache.hasKey("expire1") == false)
            let second = Window(seconds: 2)
            try await cache.set("expire2", "very quickly", timeout: 3)
            let touchedAgain = try await cache.touch("expire2")
            try second.confirm()
            #expect(touchedAgain)
            try await sleep(3.1)
            #expect(try await cache.hasKey("expire2"))
            #expect(try await cache.touch("nonexistent") == false)
        },
        ConformanceCheck(name: "long timeouts over 30 days") { fixture in
            let cache = try await fresh(fixture)
            let timeout = CacheTimeout.seconds(60 * 60 * 24 * 30 + 1)
            try await cache.set("key1", "eggs", timeout: timeout)
            #expect(try await cache.get("key1", as: String.self) == "eggs")
            #expect(try await cache.add("key2", "ham", timeout: timeout))
            #expect(try await cache.get("key2", as: String.self) == "ham")
            try await cache.setMany(["key3": "sausage", "key4": "lobster bisque"], timeout: timeout)
            #expect(try await cache.get("key3", as: String.self) == "sausage")
            #expect(try await cache.get("key4", as: String.self) == "lobster bisque")
        },
        ConformanceCheck(name: "forever timeouts") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("key1", "eggs", timeout: .never)
            #expect(try await cache.get("key1", as: String.self) == "eggs")
            #expect(try await cache.add("key2", "ham", timeout: .never))
            #expect(try await cache.get("key2", as: String.self) == "ham")
            #expect(try await cache.add("key1", "new eggs", timeout: .never) == false)
            #expect(try await cache.get("key1", as: String.self) == "eggs")
            try await cache.setMany(["key3": "sausage", "key4": "lobster bisque"], timeout: .never)
            #expect(try await cache.get("key3", as: String.self) == "sausage")
            let window = Window(seconds: 2)
            try await cache.set("key5", "belgian fries", timeout: 3)
            let madeEternal = try await cache.touch("key5", timeout: .never)
            try window.confirm()
            #expect(madeEternal)
            try await sleep(3.1)
            #expect(try await cache.get("key5", as: String.self) == "belgian fries")
        },
        ConformanceCheck(name: "zero timeouts store nothing retrievable") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("key1", "eggs", timeout: 0)
            #expect(try await cache.get("key1", as: String.self) == nil)
            #expect(try await cache.add("key2", "ham", timeout: 0))
            #expect(try await cache.get("key2", as: String.self) == nil)
            try await cache.setMany(["key3": "sausage", "key4": "lobster bisque"], timeout: 0)
            #expect(try await cache.get("key3", as: String.self) == nil)
            #expect(try await cache.get("key4", as: String.self) == nil)
            let window = Window(seconds: 4)
            try await cache.set("key5", "belgian fries", timeout: 5)
            let touched = try await cache.touch("key5", timeout: 0)
            try window.confirm()
            #expect(touched)
            #expect(try await cache.get("key5", as: String.self) == nil)
        },
        ConformanceCheck(name: "negative timeouts are expired") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("key1", "eggs", timeout: -10)
            #expect(try await cache.get("key1", as: String.self) == nil)
        },
        ConformanceCheck(name: "fractional timeouts work") { fixture in
            let cache = try await fresh(fixture)
            try await cache.set("key1", "spam", timeout: 100.2)
            #expect(try await cache.get("key1", as: String.self) == "spam")
        },
        ConformanceCheck(name: "the default timeout applies") { fixture in
            let cache = try await fresh(fixture) { $0.timeout = 3 }
            let window = Window(seconds: 2)
            try await cache.set("short", "lived")
            let value = try await cache.get("short", as: String.self)
            try window.confirm()
            #expect(value == "lived")
            try await sleep(4.1)
            #expect(try await cache.get("short", as: String.self) == nil)
        },
    ]
}
