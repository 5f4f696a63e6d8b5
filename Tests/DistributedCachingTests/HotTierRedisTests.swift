import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import NIOCore
import Testing

/// The page cache's hot tier in front of a network backend: two app
/// instances (two page caches, each with its own tier) on one Redis.
@Suite("Hot tier in front of Redis")
struct HotTierRedisTests {
    static func text(_ answer: HotAnswer?) -> String? {
        answer?.body.map { String(decoding: $0.readableBytesView, as: UTF8.self) }
    }

    static func page(_ text: String) -> PageResponse<Never> {
        PageResponse(head: HTTPResponse(status: .ok), body: .bytes(Array(text.utf8)))
    }

    @Test("filled on store and on hit; another instance's replacement is served for at most hotStoreStaleness; clear empties the tier")
    func twoInstances() async throws {
        let prefix = "hot-tier-\(UUID().uuidString)"
        let caches = try RedisBackendTests.caches("""
            { "caches": { "default": { "backend": "redis", "location": "\(sharedRedisURL)", "keyPrefix": "\(prefix)",
                                       "options": { "timeout": 10 } } } }
            """)
        let time = ManualClockSource(start: Date().timeIntervalSince1970.rounded(.down))
        let clock = CacheClock.manual(time)
        func instance() -> PageCache {
            PageCache(cache: caches.default, clock: clock, hotStore: HotResponseStore(byteBudget: 1 << 20, staleness: 2, clock: clock))
        }
        let a = instance(), b = instance()
        let request = HTTPRequest(method: .get, scheme: "http", authority: "example.test", path: "/\(prefix)")

        _ = try await a.respond(to: request) { Self.page("v1") }
        #expect(Self.text(a.hotAnswer(request, conditionalGet: false)) == "v1")
        #expect(b.hotAnswer(request, conditionalGet: false) == nil)
        let fromRedis = try await b.respond(to: request) {
            Issue.record("instance b ran its handler on a page stored in Redis")
            return Self.page("b")
        }
        #expect(fromRedis.head.headerFields[.age] != nil)
        #expect(Self.text(b.hotAnswer(request, conditionalGet: false)) == "v1")

        // Instance a replaces the page; b's tier still holds v1, for at most 2 s.
        try await a.clear()
        #expect(a.hotAnswer(request, conditionalGet: false) == nil)
        _ = try await a.respond(to: request) { Self.page("v2") }
        #expect(Self.text(b.hotAnswer(request, conditionalGet: false)) == "v1")
        time.advance(by: 2.5)
        #expect(b.hotAnswer(request, conditionalGet: false) == nil)
        let replaced = try await b.respond(to: request) { Self.page("b") }
        if case .bytes(let bytes) = replaced.body { #expect(String(decoding: bytes, as: UTF8.self) == "v2") }
        #expect(Self.text(b.hotAnswer(request, conditionalGet: false)) == "v2")
        try await b.clear()
    }
}
