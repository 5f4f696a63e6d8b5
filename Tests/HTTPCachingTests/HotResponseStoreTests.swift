import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Testing

/// A page cache with a hot tier, all on one manual clock.
struct HotHarness {
    let time = ManualClockSource(start: 1_468_749_600)
    let hot: HotResponseStore
    let pages: PageCache

    init(budget: Int = 1 << 20, staleness: Double = 5, defaultTimeout: Int = 600, backend: (any CacheBackend)? = nil) {
        let clock = CacheClock.manual(time)
        hot = HotResponseStore(byteBudget: budget, staleness: staleness, clock: clock)
        let store = backend ?? MemoryCacheBackend(location: "hot-" + UUID().uuidString, configuration: .init(maxEntries: 1000, clock: clock))
        pages = PageCache(
            cache: Cache(backend: store), configuration: PageCacheConfiguration(defaultTimeout: defaultTimeout, debugHeaders: true),
            clock: clock, hotStore: hot)
    }

    func get(_ handler: CountingHandler, _ request: HTTPRequest = djangoRequest()) async throws -> PageResponse<Never> {
        try await pages.respond(to: request) { try await handler() }
    }
}

@Suite("The hot tier in front of the page caches")
struct HotResponseStoreTests {
    @Test("django mode: filled on store; its answer equals the fetch step's hit; HEAD keeps the GET length")
    func filledOnStore() async throws {
        let harness = HotHarness()
        let handler = CountingHandler()
        #expect(harness.pages.hotAnswer(djangoRequest(), conditionalGet: false) == nil)
        _ = try await harness.get(handler)
        harness.time.advance(by: 1)
        let hot = try #require(harness.pages.hotAnswer(djangoRequest(), conditionalGet: false))
        let hit = try await harness.get(handler)
        #expect(hot.head == hit.head)
        #expect(hot.body.map { String(decoding: $0.readableBytesView, as: UTF8.self) } == hit.text)
        #expect(hot.head.headerFields[.age] == "1")
        let head = try #require(harness.pages.hotAnswer(djangoRequest(.head), conditionalGet: true))
        #expect(head.body == nil)
        #expect(head.head.headerFields[.contentLength] == "6")
        #expect(handler.count == 1)
    }

    @Test("django mode: conditional GET on hot hits answers 304 and 412 exactly as ConditionalGet does")
    func conditionals() async throws {
        let harness = HotHarness()
        let handler = CountingHandler()
        _ = try await harness.pages.update(djangoRequest(), adapter: PageResponseAdapter<Never>()) {
            try await ConditionalGet.respond(djangoRequest(), adapter: PageResponseAdapter<Never>()) {
                try await harness.pages.fetch(djangoRequest(), adapter: PageResponseAdapter<Never>()) { try await handler() }
            }
        }
        let hot = try #require(harness.pages.hotAnswer(djangoRequest(), conditionalGet: true))
        let etag = try #require(hot.head.headerFields[.eTag])
        let notModified = try #require(harness.pages.hotAnswer(djangoRequest(.get, "/cache/test/", [(.ifNoneMatch, etag)]), conditionalGet: true))
        #expect(notModified.head.status == .notModified)
        #expect(notModified.body == nil)
        let failed = try #require(harness.pages.hotAnswer(djangoRequest(.get, "/cache/test/", [(.ifMatch, "\"nope\"")]), conditionalGet: true))
        #expect(failed.head == ConditionalRequest.preconditionFailedResponse)
        let unconditional = try #require(harness.pages.hotAnswer(djangoRequest(.get, "/cache/test/", [(.ifNoneMatch, etag)]), conditionalGet: false))
        #expect(unconditional.head.status == .ok)
    }

    @Test("entries live at most the staleness bound; a backend hit fills the tier again")
    func stalenessAndRefill() async throws {
        let harness = HotHarness(staleness: 2)
        let handler = CountingHandler()
        _ = try await harness.get(handler)
        harness.time.advance(by: 3)
        #expect(harness.pages.hotAnswer(djangoRequest(), conditionalGet: false) == nil)
        let hit = try await harness.get(handler)
        #expect(hit.head.headerFields[PageCache.xCache] == "HIT")
        #expect(harness.pages.hotAnswer(djangoRequest(), conditionalGet: false) != nil)
        #expect(handler.count == 1)
    }

    @Test("entries never outlive the page: a 2-second page leaves the tier after 2 seconds even with a longer bound")
    func neverLongerThanTheEntry() async throws {
        let harness = HotHarness(staleness: 60, defaultTimeout: 2)
        _ = try await harness.get(CountingHandler())
        harness.time.advance(by: 1)
        #expect(harness.pages.hotAnswer(djangoRequest(), conditionalGet: false) != nil)
        harness.time.advance(by: 1.5)
        #expect(harness.pages.hotAnswer(djangoRequest(), conditionalGet: false) == nil)
    }

    @Test("the byte budget holds: storing past it evicts, and the tier never exceeds it")
    func budget() async throws {
        let big = String(repeating: "x", count: 2_000)
        let harness = HotHarness(budget: 5_000)
        for path in ["/a", "/b", "/c", "/d"] {
            _ = try await harness.get(CountingHandler(body: big), djangoRequest(.get, path))
            #expect(harness.hot.bytes <= 5_000)
        }
        #expect(harness.pages.hotAnswer(djangoRequest(.get, "/d"), conditionalGet: false) != nil)
        #expect(harness.pages.hotAnswer(djangoRequest(.get, "/a"), conditionalGet: false) == nil)
        // A page larger than the whole budget is simply not kept.
        let tiny = HotHarness(budget: 1_000)
        _ = try await tiny.get(CountingHandler(body: big))
        #expect(tiny.pages.hotAnswer(djangoRequest(), conditionalGet: false) == nil)
        #expect(tiny.hot.bytes <= 1_000)
    }

    @Test("the page cache's clear empties the tier and the backend")
    func cleared() async throws {
        let harness = HotHarness()
        _ = try await harness.get(CountingHandler())
        #expect(harness.hot.count > 0)
        try await harness.pages.clear()
        #expect(harness.hot.count == 0)
        #expect(harness.pages.hotAnswer(djangoRequest(), conditionalGet: false) == nil)
        #expect(await harness.pages.lookup(djangoRequest()) == nil)
    }

    @Test("a file backend (not in memory) gets the same tier: filled on store and on hit")
    func fileBackend() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hot-" + UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = HotHarness(backend: FileCacheBackend(directory: folder))
        _ = try await first.get(CountingHandler())
        #expect(first.pages.hotAnswer(djangoRequest(), conditionalGet: false) != nil)
        // A second instance on the same files: empty tier, filled by its first hit.
        let second = HotHarness(backend: FileCacheBackend(directory: folder))
        #expect(second.pages.hotAnswer(djangoRequest(), conditionalGet: false) == nil)
        let handler = CountingHandler()
        _ = try await second.get(handler)
        #expect(handler.count == 0)
        #expect(second.pages.hotAnswer(djangoRequest(), conditionalGet: false) != nil)
    }

    @Test("shared mode: fresh hits answered from the tier equal the full answer; invalidation and staleness remove them")
    func shared() async throws {
        let time = ManualClockSource(start: 1_468_749_600)
        let clock = CacheClock.manual(time)
        let hot = HotResponseStore(byteBudget: 1 << 20, staleness: 30, clock: clock)
        let cache = SharedHTTPCache(
            cache: Cache(backend: MemoryCacheBackend(location: "hot-shared-" + UUID().uuidString, configuration: .init(clock: clock))),
            configuration: .init(cacheStatus: true), clock: clock, hotStore: hot)
        let origin: SharedHTTPCache.Origin = { _, _ in
            HTTPCacheResponse(status: .ok, headerFields: [.cacheControl: "max-age=10", .eTag: "\"v\""], body: Array("fresh".utf8))
        }
        let request = djangoRequest()
        _ = await cache.respond(to: request, origin: origin)
        time.advance(by: 1)
        let answer = try #require(cache.hotAnswer(request))
        let full = await cache.respond(to: request, origin: origin)
        #expect(answer.head == full.head)
        #expect(answer.body.map { String(decoding: $0.readableBytesView, as: UTF8.self) } == "fresh")
        #expect(cache.hotAnswer(djangoRequest(.get, "/cache/test/", [(.ifNoneMatch, "\"v\"")]))?.head.status == .notModified)
        #expect(cache.hotAnswer(djangoRequest(.get, "/cache/test/", [(.cacheControl, "no-cache")])) == nil)
        #expect(cache.hotAnswer(djangoRequest(.get, "/cache/test/", [(.authorization, "Basic dTpw")])) == nil)
        time.advance(by: 10)
        #expect(cache.hotAnswer(request) == nil)   // stale: the full path revalidates
        _ = await cache.respond(to: request, origin: origin)
        #expect(cache.hotAnswer(request) != nil)
        await cache.invalidate(SharedHTTPCache.uriForTests(request))
        #expect(cache.hotAnswer(request) == nil)
    }

    @Test("a connection's last answer is reused only while its key holds: same copy, same Age, same method, no preconditions (both modes)")
    func answerKeys() async throws {
        // Shared mode, without and with Cache-Status (whose ttl is in the key too).
        for cacheStatus in [false, true] {
            let time = ManualClockSource(start: 1_468_749_600)
            let clock = CacheClock.manual(time)
            let cache = SharedHTTPCache(
                cache: Cache(backend: MemoryCacheBackend(location: "hot-keys-" + UUID().uuidString, configuration: .init(clock: clock))),
                configuration: .init(cacheStatus: cacheStatus), clock: clock,
                hotStore: HotResponseStore(byteBudget: 1 << 20, staleness: 30, clock: clock))
            let origin: SharedHTTPCache.Origin = { _, _ in
                HTTPCacheResponse(status: .ok, headerFields: [.cacheControl: "max-age=10", .eTag: "\"v\""], body: Array("fresh".utf8))
            }
            let request = djangoRequest()
            _ = await cache.respond(to: request, origin: origin)
            guard case .answer(let first, let key)? = cache.hotAnswer(request, unlessSameAs: nil), let key else {
                Issue.record("a fresh hit gives an answer and a key")
                return
            }
            #expect(first.head == cache.hotAnswer(request)?.head)
            guard case .unchanged? = cache.hotAnswer(request, unlessSameAs: key) else {
                Issue.record("the same request in the same second is the same answer")
                return
            }
            // HEAD, a conditional request: answered anew (a conditional one has no key).
            guard case .answer(let head, let headKey)? = cache.hotAnswer(djangoRequest(.head), unlessSameAs: key) else {
                Issue.record("HEAD is answered anew")
                return
            }
            #expect(head.body == nil && headKey != nil && headKey != key)
            guard case .answer(let notModified, nil)? = cache.hotAnswer(
                djangoRequest(.get, "/cache/test/", [(.ifNoneMatch, "\"v\"")]), unlessSameAs: key)
            else {
                Issue.record("a conditional request is answered by the rules, without a key")
                return
            }
            #expect(notModified.head.status == .notModified)
            // A second later: a new Age, so a new answer.
            time.advance(by: 1)
            guard case .answer(let later, let laterKey)? = cache.hotAnswer(request, unlessSameAs: key) else {
                Issue.record("a second later the answer is built again")
                return
            }
            #expect(later.head.headerFields[.age] == "1" && laterKey != key)
            // Stored again: Age 0 and ttl 10 as in `key`, but a new hot copy, so not the old answer.
            await cache.invalidate(SharedHTTPCache.uriForTests(request))
            _ = await cache.respond(to: request, origin: origin)
            guard case .answer(let refilled, let refilledKey)? = cache.hotAnswer(request, unlessSameAs: key) else {
                Issue.record("a response stored again is not the old answer")
                return
            }
            #expect(refilled.head.headerFields[.age] == "0")
            #expect(refilledKey != key)
        }

        // Django mode.
        let harness = HotHarness()
        _ = try await harness.get(CountingHandler())
        guard case .answer(_, let pageKey)? = harness.pages.hotAnswer(djangoRequest(), conditionalGet: true, unlessSameAs: nil),
              let pageKey
        else {
            Issue.record("a django hit gives an answer and a key")
            return
        }
        guard case .unchanged? = harness.pages.hotAnswer(djangoRequest(), conditionalGet: true, unlessSameAs: pageKey) else {
            Issue.record("the same django request in the same second is the same answer")
            return
        }
        for field in [HTTPField.Name.ifNoneMatch, .ifModifiedSince, .ifMatch, .ifUnmodifiedSince] {
            guard case .answer(_, nil)? = harness.pages.hotAnswer(
                djangoRequest(.get, "/cache/test/", [(field, "\"x\"")]), conditionalGet: true, unlessSameAs: pageKey)
            else {
                Issue.record("\(field) is answered by the rules, without a key")
                continue
            }
        }
        harness.time.advance(by: 1)
        guard case .answer(let agedPage, let agedKey)? = harness.pages.hotAnswer(djangoRequest(), conditionalGet: true, unlessSameAs: pageKey)
        else {
            Issue.record("a second later the django answer is built again")
            return
        }
        #expect(agedKey != pageKey)
        #expect(agedPage.head.headerFields[.age] == "1")
    }

    @Test("settings: hotStoreBytes and hotStoreStaleness are read and checked")
    func settings() throws {
        func read(_ json: String) throws -> HTTPCacheSettings {
            try HTTPCacheSettings(document: JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)))
        }
        let defaults = try read("{}")
        #expect(defaults.hotStoreBytes == 32 << 20)
        #expect(defaults.hotStoreStaleness == 1)
        #expect(defaults.hotStore() != nil)
        let set = try read(#"{"httpCache": {"hotStoreBytes": 1000, "hotStoreStaleness": 0.5}}"#)
        #expect(set.hotStoreBytes == 1000)
        #expect(set.hotStoreStaleness == 0.5)
        #expect(try read(#"{"httpCache": {"hotStoreBytes": 0}}"#).hotStore() == nil)
        #expect(throws: CacheConfigurationError.self) { try read(#"{"httpCache": {"hotStoreBytes": -1}}"#) }
        #expect(throws: CacheConfigurationError.self) { try read(#"{"httpCache": {"hotStoreStaleness": -1}}"#) }
        #expect(throws: CacheConfigurationError.self) { try read(#"{"httpCache": {"hotStoreStaleness": "1s"}}"#) }
    }
}

extension SharedHTTPCache {
    /// The URI a request is stored under, as ``invalidate(_:)`` takes it.
    static func uriForTests(_ request: HTTPRequest) -> String {
        (request.scheme ?? "http") + "://" + (request.authority ?? "") + (request.path ?? "/")
    }
}
