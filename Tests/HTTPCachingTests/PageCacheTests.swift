import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Synchronization
import Testing

func djangoRequest(
    _ method: HTTPRequest.Method = .get, _ path: String = "/cache/test/", authority: String = "www.example.com",
    _ pairs: [(HTTPField.Name, String)] = []
) -> HTTPRequest {
    HTTPRequest(method: method, scheme: "http", authority: authority, path: path, headerFields: fields(pairs))
}

@Suite("Page cache keys (spec §3)")
struct PageCacheKeyTests {
    @Test("URL hashes, host included")
    func urlHashes() {
        #expect(PageCacheKey.urlHash(djangoRequest()) == "18a03f9c9649f7d684af5db3524f5c99")
        #expect(PageCacheKey.urlHash(djangoRequest(.get, "/cache/test/?test=1")) == "beaf87a9a99ee81c673ea2d67ccbec2a")
        #expect(PageCacheKey.urlHash(djangoRequest(authority: "sub-1.example.com")) != PageCacheKey.urlHash(djangoRequest(authority: "sub-2.example.com")))
    }

    @Test("Django's test key with an empty header list")
    func emptyHeaderList() {
        let key = PageCacheKey(keyPrefix: "settingsprefix")
        #expect(key.pageKey(djangoRequest(), method: .get, headerList: [])
            == "views.decorators.cache.cache_page.settingsprefix.GET.18a03f9c9649f7d684af5db3524f5c99.d41d8cd98f00b204e9800998ecf8427e")
        #expect(key.headerListKey(djangoRequest()) == "views.decorators.cache.cache_header.settingsprefix.18a03f9c9649f7d684af5db3524f5c99")
    }

    @Test("netstring header hashes: empty value and absent value")
    func headerHashes() {
        let key = PageCacheKey()
        let list = ["HTTP_ACCEPT_ENCODING", "HTTP_COOKIE"]
        let empty = key.pageKey(djangoRequest(.get, "/", [(.acceptEncoding, "gzip"), (.cookie, "")]), method: .get, headerList: list)
        #expect(empty.hasSuffix(".49b2a3d170de8789641b61e3e3a1e467"))
        let absent = key.pageKey(djangoRequest(.get, "/", [(.acceptEncoding, "gzip")]), method: .get, headerList: list)
        #expect(absent.hasSuffix(".ca71ed008b91bd31c078fa9b5427962d"))
    }

    @Test("learning from Vary: HTTP_ names, sorted; a HEAD learns a HEAD key (Vary: Pony)")
    func learning() {
        let key = PageCacheKey(keyPrefix: "settingsprefix")
        let list = key.headerList(vary: fields([(.vary, "Pony")]))
        #expect(list == ["HTTP_PONY"])
        #expect(key.pageKey(djangoRequest(.head), method: .head, headerList: list)
            == "views.decorators.cache.cache_page.settingsprefix.HEAD.18a03f9c9649f7d684af5db3524f5c99.4792b9bac48c3f0441b0d9b0d7af8f2c")
        #expect(key.headerList(vary: fields([(.vary, "Cookie, Accept-Encoding")])) == ["HTTP_ACCEPT_ENCODING", "HTTP_COOKIE"])
        let i18n = PageCacheKey(language: .init())
        #expect(i18n.headerList(vary: fields([(.vary, "Accept-Language, Cookie")])) == ["HTTP_COOKIE"])
        #expect(i18n.pageKey(djangoRequest(), method: .get, headerList: []).hasSuffix(".d41d8cd98f00b204e9800998ecf8427e.en-us"))
    }
}

/// A handler that counts its calls and answers with the given head and body.
final class CountingHandler: Sendable {
    let calls = CacheLock(0)
    let head: HTTPResponse
    let body: String
    let delay: Duration

    init(_ head: HTTPResponse = HTTPResponse(status: .ok), body: String = "page", delay: Duration = .zero) {
        self.head = head
        self.body = body
        self.delay = delay
    }

    var count: Int { calls.withLock { $0 } }

    func callAsFunction() async throws -> PageResponse<Never> {
        let n = calls.withLock { $0 += 1; return $0 }
        if delay > .zero { try await Task.sleep(for: delay) }
        return PageResponse(head: head, body: .bytes(Array("\(body) \(n)".utf8)))
    }
}

extension PageResponse {
    var text: String {
        if case .bytes(let bytes) = body { return String(decoding: bytes, as: UTF8.self) }
        return "<stream>"
    }
}

struct PageCacheHarness {
    let time = ManualClockSource(start: 1_468_749_600)
    let pages: PageCache

    init(_ configuration: PageCacheConfiguration = PageCacheConfiguration(debugHeaders: true), backend: (any CacheBackend)? = nil) {
        let clock = CacheClock.manual(time)
        let store = backend ?? MemoryCacheBackend(location: "pages-" + UUID().uuidString, configuration: .init(maxEntries: 1000, clock: clock))
        pages = PageCache(cache: Cache(backend: store), configuration: configuration, clock: clock)
    }

    func get(_ handler: CountingHandler, _ request: HTTPRequest = djangoRequest()) async throws -> PageResponse<Never> {
        try await pages.respond(to: request) { try await handler() }
    }
}

@Suite("Page cache store and serve rules (spec §6)")
struct PageCacheTests {
    @Test("a 200 is stored with Expires and max-age, then served with Age and X-Cache: HIT")
    func storesAndServes() async throws {
        let harness = PageCacheHarness(PageCacheConfiguration(defaultTimeout: 2, debugHeaders: true))
        let handler = CountingHandler()
        let first = try await harness.get(handler)
        #expect(first.head.headerFields[.expires] == "Sun, 17 Jul 2016 10:00:02 GMT")
        #expect(first.head.headerFields[.cacheControl] == "max-age=2")
        #expect(first.head.headerFields[.age] == nil)
        #expect(first.head.headerFields[PageCache.xCache] == "MISS")
        harness.time.advance(by: 1)
        let second = try await harness.get(handler)
        #expect(second.text == "page 1")
        #expect(second.head.headerFields[.age] == "1")
        #expect(second.head.headerFields[PageCache.xCache] == "HIT")
        #expect(second.head.headerFields[PageCache.xCacheKey]?.hasPrefix("views.decorators.cache.cache_page..GET.") == true)
        #expect(handler.count == 1)
    }

    @Test("not stored: private, no-cache, no-store, Vary *, cookies with Vary: Cookie, non-200, max-age=0", arguments: [
        [(HTTPField.Name.cacheControl, "private")], [(.cacheControl, "no-cache")], [(.cacheControl, "no-store")],
        [(.cacheControl, "private=\"Set-Cookie\"")], [(.vary, "*")], [(.setCookie, "a=b"), (.vary, "Cookie")],
        [(.cacheControl, "max-age=0")],
    ])
    func notStored(_ pairs: [(HTTPField.Name, String)]) async throws {
        let harness = PageCacheHarness()
        let handler = CountingHandler(HTTPResponse(status: .ok, headerFields: fields(pairs)))
        let first = try await harness.get(handler)
        _ = try await harness.get(handler)
        #expect(handler.count == 2)
        #expect(first.head.headerFields[.expires] == nil)
    }

    @Test("a 404 is not stored; a cookie without Vary: Cookie is")
    func statusAndCookies() async throws {
        let harness = PageCacheHarness()
        let missing = CountingHandler(HTTPResponse(status: .notFound))
        _ = try await harness.get(missing, djangoRequest(.get, "/missing"))
        _ = try await harness.get(missing, djangoRequest(.get, "/missing"))
        #expect(missing.count == 2)
        let cookie = CountingHandler(HTTPResponse(status: .ok, headerFields: fields([(.setCookie, "a=b")])))
        _ = try await harness.get(cookie, djangoRequest(.get, "/cookie"))
        let hit = try await harness.get(cookie, djangoRequest(.get, "/cookie"))
        #expect(cookie.count == 1)
        #expect(hit.head.headerFields[.setCookie] == "a=b")
    }

    @Test("page timeout wins over max-age for the stored lifetime; the header shows the minimum")
    func pageTimeout() async throws {
        let harness = PageCacheHarness(PageCacheConfiguration(pageTimeout: 1))
        let handler = CountingHandler(HTTPResponse(status: .ok, headerFields: fields([(.cacheControl, "max-age=3")])))
        let first = try await harness.get(handler)
        #expect(first.head.headerFields[.cacheControl] == "max-age=1")
        harness.time.advance(by: 1.5)
        _ = try await harness.get(handler)
        #expect(handler.count == 2)

        let longer = PageCacheHarness(PageCacheConfiguration(pageTimeout: 3))
        let short = CountingHandler(HTTPResponse(status: .ok, headerFields: fields([(.cacheControl, "max-age=1")])))
        _ = try await longer.get(short)
        longer.time.advance(by: 1.5)
        _ = try await longer.get(short)
        #expect(short.count == 1)
    }

    @Test("cache_page(0): max-age=0 and Expires now, never stored")
    func zeroTimeout() async throws {
        let harness = PageCacheHarness(PageCacheConfiguration(pageTimeout: 0))
        let handler = CountingHandler()
        let first = try await harness.get(handler)
        #expect(first.head.headerFields[.cacheControl] == "max-age=0")
        #expect(first.head.headerFields[.expires] == "Sun, 17 Jul 2016 10:00:00 GMT")
        _ = try await harness.get(handler)
        #expect(handler.count == 2)
    }

    @Test("Authorization adds Vary: Authorization unless public, and keeps users apart")
    func authorization() async throws {
        let harness = PageCacheHarness()
        let handler = CountingHandler()
        let alice = djangoRequest(.get, "/me", [(.authorization, "Basic YWxpY2U6eA==")])
        let bob = djangoRequest(.get, "/me", [(.authorization, "Basic Ym9iOng=")])
        let first = try await harness.get(handler, alice)
        #expect(first.head.headerFields[.vary] == "Authorization")
        #expect(try await harness.get(handler, bob).text == "page 2")
        #expect(try await harness.get(handler, alice).text == "page 1")
        let publicHandler = CountingHandler(HTTPResponse(status: .ok, headerFields: fields([(.cacheControl, "public")])))
        let shared = try await harness.get(publicHandler, djangoRequest(.get, "/public", [(.authorization, "Basic eA==")]))
        #expect(shared.head.headerFields[.vary] == nil)
    }

    @Test("Vary: Accept-Language keeps languages apart")
    func varyLanguage() async throws {
        let harness = PageCacheHarness()
        let handler = CountingHandler(HTTPResponse(status: .ok, headerFields: fields([(.vary, "Accept-Language")])))
        _ = try await harness.get(handler, djangoRequest(.get, "/lang", [(.acceptLanguage, "en")]))
        _ = try await harness.get(handler, djangoRequest(.get, "/lang", [(.acceptLanguage, "fr")]))
        #expect(try await harness.get(handler, djangoRequest(.get, "/lang", [(.acceptLanguage, "en")])).text == "page 1")
        #expect(try await harness.get(handler, djangoRequest(.get, "/lang", [(.acceptLanguage, "fr")])).text == "page 2")
    }

    @Test("HEAD is served from a stored GET without a body; a HEAD miss is stored under the HEAD key")
    func head() async throws {
        let harness = PageCacheHarness()
        let handler = CountingHandler()
        _ = try await harness.get(handler)
        let head = try await harness.get(handler, djangoRequest(.head))
        #expect(head.text.isEmpty)
        #expect(handler.count == 1)
        let other = CountingHandler()
        _ = try await harness.get(other, djangoRequest(.head, "/only-head"))
        _ = try await harness.get(other, djangoRequest(.get, "/only-head"))
        #expect(other.count == 2)
    }

    @Test("POST is never looked up nor stored")
    func post() async throws {
        let harness = PageCacheHarness()
        let handler = CountingHandler()
        _ = try await harness.get(handler, djangoRequest(.post))
        _ = try await harness.get(handler, djangoRequest(.post))
        #expect(handler.count == 2)
    }

    @Test("streamed bodies pass through and are never stored")
    func streamed() async throws {
        let harness = PageCacheHarness()
        let calls = CacheLock(0)
        for _ in 0..<2 {
            let response: PageResponse<String> = try await harness.pages.respond(to: djangoRequest()) {
                calls.withLock { $0 += 1 }
                return PageResponse(head: HTTPResponse(status: .ok), body: .streamed("stream"))
            }
            if case .streamed(let token) = response.body { #expect(token == "stream") } else { Issue.record("expected a stream") }
        }
        #expect(calls.withLock { $0 } == 2)
    }

    @Test("stampede: 20 concurrent misses run the handler once")
    func stampede() async throws {
        let harness = PageCacheHarness()
        let handler = CountingHandler(delay: .milliseconds(200))
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await harness.get(handler).text } }
            var texts: [String] = []
            for try await text in group { texts.append(text) }
            return texts
        }
        #expect(texts.allSatisfy { $0 == "page 1" })
        #expect(handler.count == 1)
    }

    @Test("pages round-trip through an encoding backend (headers, binary body)")
    func encodedBackend() async throws {
        let harness = PageCacheHarness(backend: MemoryCacheBackend(
            location: "pages-encoded-" + UUID().uuidString, configuration: .init(maxEntries: 100, maxBytes: 1 << 20)))
        let handler = CountingHandler(HTTPResponse(status: .ok, headerFields: fields([(.contentType, "text/plain"), (.setCookie, "a=1"), (.setCookie, "b=2")])))
        let first = try await harness.get(handler)
        let second = try await harness.get(handler)
        #expect(second.text == first.text)
        #expect(second.head.headerFields[values: .setCookie] == ["a=1", "b=2"])
        #expect(handler.count == 1)
    }

    @Test("a failing backend serves uncached and never fails the request")
    func failingBackend() async throws {
        let harness = PageCacheHarness(backend: FailingBackend())
        let handler = CountingHandler()
        #expect(try await harness.get(handler).text == "page 1")
        #expect(try await harness.get(handler).text == "page 2")
    }
}

/// A backend whose every operation fails, as a server that is down.
struct FailingBackend: CacheBackend {
    var name: String { "failing" }
    struct Down: Error {}
    func get(_ key: String) async throws -> CacheValue? { throw Down() }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws { throw Down() }
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { throw Down() }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { throw Down() }
    func delete(_ key: String) async throws -> Bool { throw Down() }
    func hasKey(_ key: String) async throws -> Bool { throw Down() }
    func increment(_ key: String, by delta: Int) async throws -> Int { throw Down() }
    func clear() async throws { throw Down() }
}
