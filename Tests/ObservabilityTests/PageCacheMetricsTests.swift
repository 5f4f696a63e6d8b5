import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import InMemoryTracing
import MetricsTestKit
import Testing
import Tracing

func request(_ path: String, method: HTTPRequest.Method = .get, fields: HTTPFields = [:]) -> HTTPRequest {
    HTTPRequest(method: method, scheme: "http", authority: "example.com", path: path, headerFields: fields)
}

/// The outcome counter of one page cache.
func outcomes(_ metrics: TestMetrics, alias: String, mode: String, _ outcome: String) throws -> Int64 {
    try metrics.expectCounter(
        "swift_caching_page_requests_total", [("alias", alias), ("mode", mode), ("outcome", outcome)]).totalValue
}

func uncacheable(_ metrics: TestMetrics, alias: String, mode: String, _ reason: String) throws -> Int64 {
    try metrics.expectCounter(
        "swift_caching_page_uncacheable_total", [("alias", alias), ("mode", mode), ("reason", reason)]).totalValue
}

@Suite("Page-cache outcomes")
struct PageCacheMetricsTests {
    static func page(_ cacheControl: String) -> @Sendable () async throws -> PageResponse<[UInt8]> {
        {
            PageResponse(head: HTTPResponse(status: .ok, headerFields: [.cacheControl: cacheControl]), body: .bytes(Array("page".utf8)))
        }
    }

    @Test("Django mode: miss, hits (backend, hot tier and connection), uncacheable with its reason, bypassed")
    func django() async throws {
        let metrics = TestMetrics()
        let cache = memoryCache(alias: "django-pages", metrics: metrics)
        let pages = PageCache(cache: cache, hotStore: HotResponseStore(byteBudget: 1 << 20, staleness: 60, metrics: metrics))
        let noHot = PageCache(cache: cache)
        _ = try await pages.respond(to: request("/a"), handler: Self.page("max-age=60"))      // miss, stored
        _ = try await pages.respond(to: request("/a"), handler: Self.page("max-age=60"))      // hit (hot tier)
        _ = try await noHot.respond(to: request("/a"), handler: Self.page("max-age=60"))      // hit (backend)
        #expect(pages.hotAnswer(request("/a"), conditionalGet: true) != nil)                   // hit at the connection
        #expect(pages.hotAnswer(request("/b"), conditionalGet: true) == nil)                   // not counted
        _ = try await pages.respond(to: request("/private"), handler: Self.page("private"))
        _ = try await pages.respond(to: request("/nostore"), handler: Self.page("no-store"))
        _ = try await pages.respond(to: request("/zero"), handler: Self.page("max-age=0"))
        _ = try await pages.respond(to: request("/a", method: .post), handler: Self.page("max-age=60"))
        let mode = "django"
        let alias = "django-pages"
        #expect(try outcomes(metrics, alias: alias, mode: mode, "miss") == 1)
        // Both page caches share the alias, so their handles are the same series.
        #expect(try outcomes(metrics, alias: alias, mode: mode, "hit") == 3)
        #expect(try outcomes(metrics, alias: alias, mode: mode, "uncacheable") == 3)
        #expect(try outcomes(metrics, alias: alias, mode: mode, "bypassed") == 1)
        #expect(try uncacheable(metrics, alias: alias, mode: mode, "private") == 1)
        #expect(try uncacheable(metrics, alias: alias, mode: mode, "no_store") == 1)
        #expect(try uncacheable(metrics, alias: alias, mode: mode, "zero_lifetime") == 1)
        #expect(try uncacheable(metrics, alias: alias, mode: mode, "set_cookie") == 0)
        // The hot tier's own gauges: two entries (the URL's header list and its page).
        #expect(try metrics.expectGauge("swift_caching_entries", [("backend", "hot"), ("location", "pages"), ("shard", "0")])
            .lastValue == 2)
    }

    @Test("shared mode: miss, hit, stale, revalidated, uncacheable with its reason, bypassed")
    func shared() async throws {
        let metrics = TestMetrics()
        let source = ManualClockSource(start: 1_800_000_000)
        let clock = CacheClock.manual(source)
        let cache = memoryCache(alias: "shared-pages", metrics: metrics)
        let shared = SharedHTTPCache(cache: cache, clock: clock, hotStore: HotResponseStore(
            byteBudget: 1 << 20, staleness: 60, clock: clock, metrics: metrics))
        let origin: SharedHTTPCache.Origin = { request, _ in
            let date = HTTPDate.format(clock.now())
            switch request.path {
            case "/nostore":
                return HTTPCacheResponse(status: .ok, headerFields: [.cacheControl: "no-store", .date: date], body: Array("x".utf8))
            case "/private":
                return HTTPCacheResponse(status: .ok, headerFields: [.cacheControl: "private", .date: date], body: Array("x".utf8))
            default:
                if request.headerFields[.ifNoneMatch] == "\"v1\"" {
                    return HTTPCacheResponse(status: .notModified, headerFields: [.eTag: "\"v1\"", .date: date])
                }
                return HTTPCacheResponse(
                    status: .ok, headerFields: [.cacheControl: "max-age=10", .eTag: "\"v1\"", .date: date], body: Array("page".utf8))
            }
        }
        _ = await shared.respond(to: request("/a"), origin: origin)                               // miss
        _ = await shared.respond(to: request("/a"), origin: origin)                               // hit
        #expect(shared.hotAnswer(request("/a")) != nil)                                           // hit at the connection
        source.advance(by: 20)
        _ = await shared.respond(to: request("/a", fields: [.cacheControl: "max-stale"]), origin: origin)  // stale
        _ = await shared.respond(to: request("/a"), origin: origin)                               // revalidated (304)
        _ = await shared.respond(to: request("/nostore"), origin: origin)
        _ = await shared.respond(to: request("/private"), origin: origin)
        _ = await shared.respond(to: request("/a", method: .post), origin: origin)                // bypassed
        let alias = "shared-pages"
        let mode = "shared"
        #expect(try outcomes(metrics, alias: alias, mode: mode, "miss") == 1)
        #expect(try outcomes(metrics, alias: alias, mode: mode, "hit") == 2)
        #expect(try outcomes(metrics, alias: alias, mode: mode, "stale") == 1)
        #expect(try outcomes(metrics, alias: alias, mode: mode, "revalidated") == 1)
        #expect(try outcomes(metrics, alias: alias, mode: mode, "uncacheable") == 2)
        #expect(try outcomes(metrics, alias: alias, mode: mode, "bypassed") == 1)
        #expect(try uncacheable(metrics, alias: alias, mode: mode, "no_store") == 1)
        #expect(try uncacheable(metrics, alias: alias, mode: mode, "private") == 1)
    }

    @Test("a span per page-cache decision, with the backend calls as its children and no URL or key")
    func spans() async throws {
        let tracer = InMemoryTracer()
        let cache = memoryCache(alias: "traced-pages", tracer: tracer)
        let pages = PageCache(cache: cache)
        _ = try await pages.respond(to: request("/secret-path"), handler: Self.page("max-age=60"))
        _ = try await pages.respond(to: request("/secret-path"), handler: Self.page("max-age=60"))
        let spans = tracer.finishedSpans
        let decisions = spans.filter { $0.operationName == "page_cache.request" }
        #expect(decisions.count == 2)
        #expect(decisions.map { $0.attributes["cache.outcome"]?.toSpanAttribute() } == ["miss", "hit"])
        #expect(decisions.map { $0.attributes["cache.hit"]?.toSpanAttribute() } == [false, true])
        for decision in decisions {
            #expect(decision.attributes["cache.alias"]?.toSpanAttribute() == "traced-pages")
            #expect(decision.attributes["cache.backend"]?.toSpanAttribute() == "memory")
            #expect(decision.attributes["cache.mode"]?.toSpanAttribute() == "django")
            let children = spans.filter { $0.parentSpanID == decision.spanID }
            #expect(!children.isEmpty)
            #expect(children.allSatisfy { $0.operationName.hasPrefix("cache.") && $0.traceID == decision.traceID })
        }
        #expect(spans.allSatisfy { !"\($0.attributes)".contains("secret") })
    }
}
