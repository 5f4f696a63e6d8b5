import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdTesting
import NIOCore
import Testing

/// A router with a GET-only page whose handler runs are counted.
func countingRouter(_ counter: Counter, headers: HTTPFields = [:], placing middleware: (Router<BasicRequestContext>) -> Void) -> Router<BasicRequestContext> {
    let router = Router()
    middleware(router)
    router.get("/page") { _, _ in
        Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "page \(counter.next())")))
    }
    return router
}

/// Caches whose `default` alias is a memory cache of its own (memory caches
/// with one location share their entries, as Django's LocMemCache does).
func isolatedCaches() throws -> Caches {
    try Caches(settings: CacheSettings(caches: ["default": CacheConfiguration(backend: "memory", location: "django-order-" + UUID().uuidString)]))
}

/// Django's recommended middleware order (spec §6, "Consequence of that
/// order"), placed by hand and in one line, on Hummingbird.
@Suite("Django's middleware order: update, conditional GET, fetch")
struct DjangoOrderTests {
    /// The two ways an app gets Django's order: the three middleware, or `CachingResponder`.
    enum Placement: String, CaseIterable, Sendable {
        case threeMiddleware, cachingResponder
    }

    /// Runs `test` against a `/page` app with the page cache placed as `placement`.
    func withApp(
        _ placement: Placement, _ counter: Counter, headers: HTTPFields = [:], settings: HTTPCacheSettings = .init(debugHeaders: true),
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let caches = try isolatedCaches()
        switch placement {
        case .threeMiddleware:
            let pageCache = PageCache(cache: caches.default, configuration: .init(key: settings.pageCacheKey(), debugHeaders: true))
            let router = countingRouter(counter, headers: headers) { router in
                router.add(middleware: UpdateCacheMiddleware(pageCache))
                router.add(middleware: ConditionalGetMiddleware())
                router.add(middleware: FetchFromCacheMiddleware(pageCache))
            }
            try await Application(responder: HEADThroughGETResponder(router.buildResponder())).test(.router, test)
        case .cachingResponder:
            let router = countingRouter(counter, headers: headers) { _ in }
            try await Application(responder: try CachingResponder(router.buildResponder(), settings: settings, caches: caches)).test(.router, test)
        }
    }

    @Test("§6/§7: a cached page is answered 304 for If-None-Match (exact, weak, *) without running the handler", arguments: Placement.allCases)
    func notModifiedOnHit(_ placement: Placement) async throws {
        let counter = Counter()
        try await withApp(placement, counter, headers: [.vary: "Cookie"]) { client in
            let first = try await client.execute(uri: "/page", method: .get)
            #expect(first.status == .ok)
            let etag = try #require(first.headers[.eTag])
            #expect(first.headers[.xCache] == "MISS")
            for tag in [etag, "W/" + etag, "*"] {
                let hit = try await client.execute(uri: "/page", method: .get, headers: [.ifNoneMatch: tag])
                #expect(hit.status == .notModified, "If-None-Match: \(tag)")
                #expect(hit.body.readableBytes == 0)
                #expect(hit.headers[.eTag] == etag)
                #expect(hit.headers[.cacheControl] == "max-age=600")
                #expect(hit.headers[.vary] == "Cookie")
                #expect(hit.headers[.age] == nil)
            }
            let plain = try await client.execute(uri: "/page", method: .get)
            #expect(plain.status == .ok)
            #expect(plain.headers[.xCache] == "HIT")
            #expect(plain.headers[.age].flatMap { Int($0) } != nil)
            #expect(String(buffer: plain.body) == "page 1")
            #expect(counter.count == 1)
        }
    }

    @Test("§5 get_conditional_response: a cached page with a failing If-Match is 412", arguments: Placement.allCases)
    func preconditionFailedOnHit(_ placement: Placement) async throws {
        let counter = Counter()
        try await withApp(placement, counter) { client in
            _ = try await client.execute(uri: "/page", method: .get)
            let failed = try await client.execute(uri: "/page", method: .get, headers: [.ifMatch: "\"zzz\""])
            #expect(failed.status == .preconditionFailed)
            #expect(failed.headers[.eTag] == nil)
            // Django's HttpResponse(status=412): its default Content-Type, nothing else of the page.
            #expect(failed.headers[.contentType] == "text/html; charset=utf-8")
            #expect(failed.headers[.cacheControl] == nil)
            #expect(counter.count == 1)
        }
    }

    @Test("§7: If-Modified-Since equal to a cached page's Last-Modified is 304", arguments: Placement.allCases)
    func ifModifiedSinceOnHit(_ placement: Placement) async throws {
        let counter = Counter()
        let modified = "Sun, 17 Jul 2016 10:00:00 GMT"
        try await withApp(placement, counter, headers: [.lastModified: modified]) { client in
            _ = try await client.execute(uri: "/page", method: .get)
            let hit = try await client.execute(uri: "/page", method: .get, headers: [.ifModifiedSince: modified])
            #expect(hit.status == .notModified)
            let earlier = try await client.execute(uri: "/page", method: .get, headers: [.ifModifiedSince: "Sun, 17 Jul 2016 09:59:59 GMT"])
            #expect(earlier.status == .ok)
            #expect(counter.count == 1)
        }
    }

    @Test("§6 step 9: a miss answered 304 is not stored; the next plain GET renders again", arguments: Placement.allCases)
    func notModifiedMissNotStored(_ placement: Placement) async throws {
        let counter = Counter()
        try await withApp(placement, counter) { client in
            let miss = try await client.execute(uri: "/page", method: .get, headers: [.ifNoneMatch: "*"])
            #expect(miss.status == .notModified)
            #expect(miss.headers[.cacheControl] == "max-age=600")
            let next = try await client.execute(uri: "/page", method: .get)
            #expect(next.status == .ok)
            #expect(next.headers[.xCache] == "MISS")
            #expect(next.headers[.age] == nil)
            #expect(String(buffer: next.body) == "page 2")
        }
    }

    @Test("§6: a HEAD hit carries the stored GET's ETag and Content-Length, and no body", arguments: Placement.allCases)
    func headHit(_ placement: Placement) async throws {
        let counter = Counter()
        try await withApp(placement, counter) { client in
            let get = try await client.execute(uri: "/page", method: .get)
            let head = try await client.execute(uri: "/page", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.xCache] == "HIT")
            #expect(head.headers[.eTag] == get.headers[.eTag])
            #expect(head.headers[.eTag] != nil)
            #expect(head.headers[.contentLength] == String(get.body.readableBytes))
            #expect(head.body.readableBytes == 0)
            // §7: HEAD is not a GET for ConditionalGetMiddleware: no 304.
            let conditional = try await client.execute(uri: "/page", method: .head, headers: [.ifNoneMatch: "*"])
            #expect(conditional.status == .ok)
            #expect(counter.count == 1)
        }
    }

    @Test("§6 FetchFromCache: a HEAD for an uncached URL runs the GET route, is stored under the HEAD key, and a later GET misses", arguments: Placement.allCases)
    func headMissThroughGet(_ placement: Placement) async throws {
        let counter = Counter()
        try await withApp(placement, counter) { client in
            let head = try await client.execute(uri: "/page", method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == "6")
            #expect(head.headers[.eTag] == nil)  // §7: HEAD gets no ETag
            #expect(head.headers[.xCacheKey]?.contains(".HEAD.") == true)
            let again = try await client.execute(uri: "/page", method: .head)
            #expect(again.headers[.xCache] == "HIT")
            #expect(again.headers[.contentLength] == "6")
            let get = try await client.execute(uri: "/page", method: .get)
            #expect(get.headers[.xCache] == "MISS")
            #expect(String(buffer: get.body) == "page 2")
            #expect(counter.count == 2)
            let missing = try await client.execute(uri: "/nowhere", method: .head)
            #expect(missing.status == .notFound)
        }
    }

    @Test("§3 suffix: USE_I18N and USE_TZ keys end in .<language>.<time zone>; languages are kept apart")
    func keySuffixes() async throws {
        let counter = Counter()
        let settings = HTTPCacheSettings(debugHeaders: true, useI18N: true, languageCode: "en-us", useTZ: true, timeZone: "Europe/Paris")
        let caches = try isolatedCaches()
        let router = countingRouter(counter, headers: [.vary: "Accept-Language"]) { _ in }
        let responder = try CachingResponder(router.buildResponder(), settings: settings, caches: caches) { request in
            request.headerFields[.acceptLanguage].map { String($0.prefix(2)) }
        }
        try await Application(responder: responder).test(.router) { client in
            let french = try await client.execute(uri: "/page", method: .get, headers: [.acceptLanguage: "fr"])
            #expect(french.headers[.xCacheKey]?.hasSuffix(".d41d8cd98f00b204e9800998ecf8427e.fr.Europe/Paris") == true)
            let fallback = try await client.execute(uri: "/page", method: .get)
            #expect(fallback.headers[.xCacheKey]?.hasSuffix(".en-us.Europe/Paris") == true)
            #expect(String(buffer: fallback.body) == "page 2")
            let frenchAgain = try await client.execute(uri: "/page", method: .get, headers: [.acceptLanguage: "fr-CA"])
            #expect(String(buffer: frenchAgain.body) == "page 1")
        }
        let routeCounter = Counter()
        let key = settings.pageCacheKey()
        let routeRouter = Router()
        routeRouter.get("/route", use: RouteCaching.cachePage(30, cache: caches.default, keyPrefix: "r", language: key.language, timeZone: key.timeZone, debugHeaders: true) { _, _ in
            "route \(routeCounter.next())"
        })
        try await Application(router: routeRouter).test(.router) { client in
            let page = try await client.execute(uri: "/route", method: .get)
            #expect(page.headers[.xCacheKey]?.hasPrefix("views.decorators.cache.cache_page.r.GET.") == true)
            #expect(page.headers[.xCacheKey]?.hasSuffix(".en-us.Europe/Paris") == true)
        }
    }

    @Test("§6 UpdateCacheMiddleware step 1: without a fetch step nothing is stored; a fetch step alone never stores")
    func stepsAlone() async throws {
        let caches = try isolatedCaches()
        let pageCache = PageCache(cache: caches.default)
        for onlyUpdate in [true, false] {
            let counter = Counter()
            let router = countingRouter(counter) { router in
                if onlyUpdate {
                    router.add(middleware: UpdateCacheMiddleware(pageCache))
                } else {
                    router.add(middleware: FetchFromCacheMiddleware(pageCache))
                }
            }
            try await Application(router: router).test(.router) { client in
                let first = try await client.execute(uri: "/page", method: .get)
                #expect(first.headers[.expires] == nil)
                _ = try await client.execute(uri: "/page", method: .get)
                #expect(counter.count == 2)
            }
        }
    }

    @Test("stampede protection spans the separate steps: 10 concurrent misses run the handler once")
    func stampedeAcrossSteps() async throws {
        let pageCache = PageCache(cache: memoryCache())
        try await HummingbirdCachingTests.expectOneRunForConcurrentMisses { router in
            router.add(middleware: UpdateCacheMiddleware(pageCache))
            router.add(middleware: ConditionalGetMiddleware())
            router.add(middleware: FetchFromCacheMiddleware(pageCache))
        }
    }

    @Test("a handler that throws between the steps releases the stampede flight: the next request runs")
    func throwingHandlerReleasesFlight() async throws {
        let counter = Counter()
        let pageCache = PageCache(cache: memoryCache())
        let router = Router()
        router.add(middleware: UpdateCacheMiddleware(pageCache))
        router.add(middleware: FetchFromCacheMiddleware(pageCache))
        router.get("/flaky") { _, _ -> String in
            if counter.next() == 1 { throw HTTPError(.internalServerError) }
            return "ok"
        }
        try await Application(router: router).test(.router) { client in
            #expect(try await client.execute(uri: "/flaky", method: .get).status == .internalServerError)
            let second = try await client.execute(uri: "/flaky", method: .get)
            #expect(String(buffer: second.body) == "ok")
        }
    }
}

@Suite("httpCache settings: key suffixes and conditional GET")
struct HTTPCacheSuffixSettingsTests {
    @Test("useI18N, languageCode, useTZ, timeZone and conditionalGet are read from the settings file")
    func parse() throws {
        let document = try CacheSettings(json: Data("""
            {"caches": {}, "httpCache": {"useI18N": true, "languageCode": "de", "useTZ": true, "timeZone": "UTC", "conditionalGet": false}}
            """.utf8)).document
        let settings = try HTTPCacheSettings(document: document)
        #expect(settings.useI18N && settings.useTZ && !settings.conditionalGet)
        let key = settings.pageCacheKey()
        let request = HTTPRequest(method: .get, scheme: "http", authority: "example.com", path: "/")
        #expect(key.suffix(request) == ".de.UTC")
        #expect(HTTPCacheSettings().pageCacheKey().suffix(request) == "")
    }
}
