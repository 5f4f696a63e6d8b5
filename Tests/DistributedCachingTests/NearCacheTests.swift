import Caching
import CachingTestSupport
import Foundation
import Logging
import MemcachedCaching
import NIOCore
import RedisCaching
import Testing

/// Issue 18, item 3: the near cache's memory tier, with a channel the test
/// drives by hand (so every event happens exactly when the test says).
@Suite("Near cache: the memory tier", .timeLimit(.minutes(1)))
struct NearCacheTests {
    static let quiet = Logger(label: "near-test") { _ in SwiftLogNoOpLogHandler() }

    struct Fixture {
        let backing: CountingBackend
        let channel: ManualInvalidationChannel
        let near: NearCacheBackend
        let cache: Cache
    }

    static func fixture(
        staleness: Double = 3600, clock: CacheClock = .monotonic, reportedLifetime: CacheLifetime? = nil,
        connectOnStart: Bool = true, failureMode: CacheFailureMode = .error
    ) -> Fixture {
        let backing = CountingBackend(clock: clock, reportedLifetime: reportedLifetime)
        let channel = ManualInvalidationChannel(connectOnStart: connectOnStart)
        let near = NearCacheBackend(
            backing: backing, channel: channel,
            configuration: .init(maxEntries: 100, staleness: staleness, failureMode: failureMode, clock: clock), logger: quiet)
        return Fixture(backing: backing, channel: channel, near: near, cache: Cache(backend: near, logger: quiet))
    }

    @Test("a read fills the tier: the next read of the key does not reach the backing backend")
    func fill() async throws {
        let f = Self.fixture()
        try await f.cache.set("k", "v1")
        #expect(try await f.cache.get("k", as: String.self) == "v1")
        #expect(try await f.cache.get("k", as: String.self) == "v1")
        #expect(try await f.cache.get("k", as: String.self) == "v1")
        #expect(f.backing.readCount == 1)
        #expect(f.near.memoryCount == 1)
    }

    @Test("a copy lives at most `staleness` seconds")
    func stalenessBound() async throws {
        let time = ManualClockSource()
        let f = Self.fixture(staleness: 10, clock: .manual(time))
        try await f.cache.set("k", "v1", timeout: .never)
        _ = try await f.cache.get("k", as: String.self)
        time.advance(by: 9)
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.backing.readCount == 1)
        time.advance(by: 2)
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.backing.readCount == 2, "a copy older than the staleness bound was served")
    }

    @Test("a copy never outlives the entry's own lifetime, as the backing backend reports it")
    func entryLifetimeBound() async throws {
        let time = ManualClockSource()
        let f = Self.fixture(staleness: 3600, clock: .manual(time), reportedLifetime: .seconds(2))
        try await f.cache.set("k", "v1", timeout: 2)
        _ = try await f.cache.get("k", as: String.self)
        time.advance(by: 1)
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.backing.readCount == 1)
        time.advance(by: 1.5)
        #expect(try await f.cache.get("k", as: String.self) == nil, "the entry expired in the backing backend")
        #expect(f.backing.readCount == 2)
    }

    @Test("an entry already expired in the backing backend is not kept")
    func expiredNotKept() async throws {
        let f = Self.fixture(reportedLifetime: .seconds(0))
        try await f.cache.set("k", "v1")
        _ = try await f.cache.get("k", as: String.self)
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.backing.readCount == 2)
        #expect(f.near.memoryCount == 0)
    }

    @Test("every write drops the local copy and announces the key",
          arguments: ["set", "add", "touch", "delete", "increment", "setMany", "deleteMany"])
    func writesDropCopies(_ operation: String) async throws {
        let f = Self.fixture()
        try await f.cache.set("k", 1)
        #expect(try await f.cache.get("k", as: Int.self) == 1)
        let key = f.cache.makeKey("k")
        let before = f.channel.published.count
        switch operation {
        case "set": try await f.cache.set("k", 2)
        case "add":
            _ = try await f.cache.delete("k")
            #expect(try await f.cache.add("k", 2))
        case "touch": #expect(try await f.cache.touch("k", timeout: 100))
        case "delete": #expect(try await f.cache.delete("k"))
        case "increment": #expect(try await f.cache.increment("k") == 2)
        case "setMany": #expect(try await f.cache.setMany(["k": 2]).isEmpty)
        default: try await f.cache.deleteMany(["k"])
        }
        #expect(f.channel.published.count > before)
        #expect(f.channel.published.last == key)
        let reads = f.backing.readCount
        _ = try await f.cache.get("k", as: Int.self)
        #expect(f.backing.readCount == reads + 1, "\(operation) left a copy in memory")
    }

    @Test("clear drops every copy and announces `all`")
    func clear() async throws {
        let f = Self.fixture()
        try await f.cache.set("a", 1)
        try await f.cache.set("b", 2)
        _ = try await f.cache.get("a", as: Int.self)
        _ = try await f.cache.get("b", as: Int.self)
        #expect(f.near.memoryCount == 2)
        try await f.cache.clear()
        #expect(f.near.memoryCount == 0)
        #expect(f.channel.publishedAll == 1)
        #expect(try await f.cache.get("a", as: Int.self) == nil)
    }

    @Test("another instance's write reaches this tier only through the channel")
    func remoteInvalidation() async throws {
        let f = Self.fixture()
        try await f.cache.set("k", "v1")
        #expect(try await f.cache.get("k", as: String.self) == "v1")
        // Another instance writes the backing store directly.
        try await Cache(backend: f.backing).set("k", "v2")
        #expect(try await f.cache.get("k", as: String.self) == "v1", "the tier should serve its copy until told")
        f.channel.send(.keys([f.cache.makeKey("k")]))
        #expect(try await f.cache.get("k", as: String.self) == "v2")
        f.channel.send(.all)
        #expect(f.near.memoryCount == 0)
    }

    @Test("tags: invalidation drops the tagged copies here and announces the tag's version key")
    func tags() async throws {
        let f = Self.fixture()
        try await f.cache.set("card", "v1", tags: ["product:42"])
        #expect(try await f.cache.get("card", as: String.self) == "v1")
        #expect(try await f.cache.get("card", as: String.self) == "v1")
        try await f.cache.invalidate(tags: ["product:42"])
        #expect(f.channel.published.contains(try f.cache.tagKey("product:42")))
        #expect(try await f.cache.get("card", as: String.self) == nil)
    }

    @Test("tags: another instance's invalidation, announced, makes this tier's tagged copies misses")
    func remoteTagInvalidation() async throws {
        let f = Self.fixture()
        try await f.cache.set("card", "v1", tags: ["product:42"])
        #expect(try await f.cache.get("card", as: String.self) == "v1")
        // Another instance invalidates the tag on the shared backing store.
        let other = Cache(backend: f.backing)
        try await other.invalidate(tags: ["product:42"])
        #expect(try await f.cache.get("card", as: String.self) == "v1", "the tier should serve its copy until told")
        f.channel.send(.keys([try other.tagKey("product:42")]))
        #expect(try await f.cache.get("card", as: String.self) == nil)
    }

    @Test("a drop of the channel flushes the tier, which keeps nothing until it listens again")
    func channelDrop() async throws {
        let f = Self.fixture()
        try await f.cache.set("k", "v1")
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.near.isServingFromMemory)
        #expect(f.near.memoryCount == 1)
        f.channel.send(.disconnected)
        #expect(!f.near.isServingFromMemory)
        #expect(f.near.memoryCount == 0)
        _ = try await f.cache.get("k", as: String.self)
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.backing.readCount == 3, "the tier kept a copy while the channel was down")
        f.channel.send(.connected)
        _ = try await f.cache.get("k", as: String.self)
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.backing.readCount == 4)
    }

    @Test("before the channel listens, nothing is kept")
    func notYetListening() async throws {
        let f = Self.fixture(connectOnStart: false)
        try await f.cache.set("k", "v1")
        _ = try await f.cache.get("k", as: String.self)
        _ = try await f.cache.get("k", as: String.self)
        #expect(f.backing.readCount == 2)
        #expect(f.channel.starts == 1)
    }

    @Test("a read that raced with an invalidation does not keep its older value")
    func raceWithInvalidation() async throws {
        let f = Self.fixture()
        try await f.cache.set("k", "v1")
        f.backing.hold()
        let reader = Task { try await f.cache.get("k", as: String.self) }
        while !f.backing.isWaiting { try await Task.sleep(for: .milliseconds(1)) }
        // Meanwhile another instance writes and announces.
        try await f.backing.inner.set(f.cache.makeKey("k"), value: .bytes(Array("sv2".utf8)), lifetime: .forever)
        f.channel.send(.keys([f.cache.makeKey("k")]))
        f.backing.release()
        _ = try await reader.value
        #expect(f.near.memoryCount == 0, "a value read before the invalidation was kept")
    }

    @Test("a publish that fails is a typed error in the error mode, dropped in miss, and always an error for tags")
    func publishFailure() async throws {
        let down = CacheError.unavailable(backend: "test channel", reason: .connectionRefused, message: "down")
        let strict = Self.fixture()
        strict.channel.failPublishing(with: down)
        await #expect(throws: down) { try await strict.cache.set("k", 1) }
        let lenient = Self.fixture(failureMode: .miss)
        lenient.channel.failPublishing(with: down)
        try await lenient.cache.set("k", 1)
        #expect(try await lenient.cache.get("k", as: Int.self) == 1)
        await #expect(throws: down) { try await lenient.cache.invalidate(tags: ["t"]) }
    }

    @Test("bad keys and tags get the backing backend's validation and errors")
    func badInput() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let memcached = try MemcachedTesting.backend(["127.0.0.1:\(refusing.port)"])
        let near = NearCacheBackend(backing: memcached, channel: ManualInvalidationChannel(), logger: Self.quiet)
        let direct = Cache(backend: memcached, logger: Self.quiet)
        let layered = Cache(backend: near, logger: Self.quiet)
        #expect(near.rejectsInvalidKeys)
        for bad in ["with space", "control\u{7}", String(repeating: "x", count: 300)] {
            let expected = await #expect(throws: CacheError.self) { try await direct.set("k", 1, tags: [bad]) }
            let got = await #expect(throws: CacheError.self) { try await layered.set("k", 1, tags: [bad]) }
            #expect(got == expected)
            let expectedKey = await #expect(throws: CacheError.self) { try await direct.get(bad, as: Int.self) }
            let gotKey = await #expect(throws: CacheError.self) { try await layered.get(bad, as: Int.self) }
            #expect(gotKey == expectedKey)
        }
    }

    @Test("a backing Redis that is down: a miss in the miss mode, a typed error in the error mode")
    func failingBacking() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        for mode in [CacheFailureMode.miss, .error] {
            let backing = try RedisReliabilityTests.backend("redis://127.0.0.1:\(port)/0", failureMode: mode, timeout: .seconds(2))
            defer { backing.shutdown() }
            let channel = ManualInvalidationChannel()
            let cache = Cache(backend: NearCacheBackend(backing: backing, channel: channel, logger: Self.quiet), logger: Self.quiet)
            if mode == .miss {
                #expect(try await cache.get("k", as: Int.self) == nil)
                try await cache.set("k", 1)
                #expect(try await cache.get("k", as: Int.self) == nil, "a dropped write was served from memory")
            } else {
                do {
                    _ = try await cache.get("k", as: Int.self)
                    Issue.record("a read of a dead server succeeded")
                } catch let error as CacheError {
                    #expect(error.isServerUnavailable, "\(error)")
                }
                do {
                    try await cache.set("k", 1)
                    Issue.record("a write to a dead server succeeded")
                } catch let error as CacheError {
                    #expect(error.isServerUnavailable, "\(error)")
                }
                // The write may have reached the server: it is announced all the same.
                #expect(channel.published == [cache.makeKey("k")])
            }
        }
    }
}
