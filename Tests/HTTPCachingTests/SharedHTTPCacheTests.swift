import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Synchronization
import Testing

/// A scripted origin: answers with what the test sets, counts and records requests.
final class ScriptedOrigin: Sendable {
    struct Reply: Sendable {
        var status: HTTPResponse.Status = .ok
        var fields: [String: String] = [:]
        var body = "body"
        var fails = false
        var delay: Duration = .zero
    }

    private let state = CacheLock<(reply: Reply, requests: [HTTPRequest])>((Reply(), []))

    init(_ reply: Reply = Reply()) {
        state.withLock { $0.reply = reply }
    }

    func reply(_ reply: Reply) { state.withLock { $0.reply = reply } }
    var count: Int { state.withLock { $0.requests.count } }
    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    var origin: SharedHTTPCache.Origin {
        { request, _ in
            let reply = self.state.withLock { state -> Reply in
                state.requests.append(request)
                return state.reply
            }
            if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
            if reply.fails { throw URLError(.cannotConnectToHost) }
            var fields = HTTPFields()
            for (name, value) in reply.fields.sorted(by: { $0.key < $1.key }) {
                if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
            }
            return HTTPCacheResponse(status: reply.status, headerFields: fields, body: Array(reply.body.utf8))
        }
    }
}

/// A shared cache on a fresh memory store and a manual clock.
struct SharedCacheHarness {
    let time = ManualClockSource(start: 1_700_000_000)
    let shared: SharedHTTPCache
    let origin: ScriptedOrigin

    init(_ reply: ScriptedOrigin.Reply = .init(), cacheStatus: Bool = true) {
        let location = "shared-tests-" + UUID().uuidString
        let clock = CacheClock.manual(time)
        let cache = Cache(backend: MemoryCacheBackend(location: location, configuration: .init(maxEntries: 1000, clock: clock)))
        shared = SharedHTTPCache(cache: cache, configuration: .init(cacheStatus: cacheStatus), clock: clock)
        origin = ScriptedOrigin(reply)
    }

    /// The harness's current time as an HTTP date.
    var date: String { Self.httpDate(time.now) }

    static func httpDate(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    func request(
        _ method: HTTPRequest.Method = .get, _ path: String = "/page", _ fields: [String: String] = [:]
    ) async -> HTTPCacheResponse {
        var headerFields = HTTPFields()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            if let name = HTTPField.Name(name) { headerFields.append(HTTPField(name: name, value: value)) }
        }
        let request = HTTPRequest(method: method, scheme: "http", authority: "example.test", path: path, headerFields: headerFields)
        return await shared.respond(to: request, origin: origin.origin)
    }
}

extension HTTPCacheResponse {
    var text: String {
        if case .buffered(let bytes) = body { return String(decoding: bytes, as: UTF8.self) }
        return "<stream>"
    }
    func field(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { head.headerFields[$0] }
    }
    var cacheStatus: String { field("Cache-Status") ?? "" }
}

@Suite("Shared-cache mode: freshness (RFC 9111 §4.2)")
struct SharedCacheFreshnessTests {
    @Test("max-age: a hit while fresh, a new fetch once stale, with Age")
    func maxAge() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"]))
        #expect(await harness.request().cacheStatus.contains("fwd=uri-miss; stored"))
        harness.time.advance(by: 30)
        let hit = await harness.request()
        #expect(hit.cacheStatus.hasPrefix("swift-caching; hit"))
        #expect(hit.field("Age") == "30")
        #expect(hit.text == "body")
        harness.time.advance(by: 31)
        _ = await harness.request()
        #expect(harness.origin.count == 2)
    }

    @Test("freshness moved to a later time equals freshness computed afresh then (the hot tier's shortcut)",
          arguments: [
              ["Cache-Control": "max-age=60", "Age": "7"],
              ["Date": "Thu, 01 Jan 2026 00:00:00 GMT", "Expires": "Thu, 01 Jan 2026 00:10:00 GMT"],
              ["Date": "Thu, 01 Jan 2026 00:00:00 GMT", "Last-Modified": "Wed, 31 Dec 2025 00:00:00 GMT"],
              ["Cache-Control": "s-maxage=5", "Date": "Wed, 31 Dec 2025 23:59:00 GMT"],
          ])
    func movedFreshness(fields: [String: String]) throws {
        var headerFields = HTTPFields()
        for (name, value) in fields { headerFields[try #require(HTTPField.Name(name))] = value }
        let received = 1_767_225_602.0   // Thu, 01 Jan 2026 00:00:02 GMT
        let stored = StoredHTTPResponse(
            response: HTTPResponse(status: .ok, headerFields: headerFields), body: [], varyValues: [:],
            requestTime: received - 1, responseTime: received)
        let early = SharedCacheFreshness(of: stored, now: received + 1)
        for later in [received, received + 3, received + 61, received + 7200, received - 5] {
            #expect(early.at(later) == SharedCacheFreshness(of: stored, now: later), "\(fields) at \(later)")
        }
    }

    @Test("s-maxage wins over max-age in a shared cache")
    func sharedMaxAge() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=1, s-maxage=100"]))
        _ = await harness.request()
        harness.time.advance(by: 50)
        #expect(await harness.request().cacheStatus.contains("hit"))
        #expect(harness.origin.count == 1)
    }

    @Test("Expires minus Date; an invalid Expires is already stale")
    func expires() async {
        let harness = SharedCacheHarness()
        harness.origin.reply(.init(fields: [
            "Date": harness.date, "Expires": SharedCacheHarness.httpDate(harness.time.now + 100),
        ]))
        _ = await harness.request(.get, "/expires")
        harness.time.advance(by: 50)
        #expect(await harness.request(.get, "/expires").cacheStatus.contains("hit"))
        harness.origin.reply(.init(fields: ["Date": harness.date, "Expires": "0", "ETag": "\"x\""]))
        _ = await harness.request(.get, "/invalid")
        _ = await harness.request(.get, "/invalid")
        #expect(harness.origin.count == 3)
    }

    @Test("heuristic freshness from Last-Modified for a heuristically cacheable status only")
    func heuristic() async {
        let harness = SharedCacheHarness()
        harness.origin.reply(.init(fields: [
            "Date": harness.date, "Last-Modified": SharedCacheHarness.httpDate(harness.time.now - 1000),
        ]))
        _ = await harness.request(.get, "/heuristic")
        harness.time.advance(by: 50)  // 10% of 1000 s = 100 s of freshness
        #expect(await harness.request(.get, "/heuristic").cacheStatus.contains("hit"))
        harness.origin.reply(.init(status: .found, fields: [
            "Date": harness.date, "Last-Modified": SharedCacheHarness.httpDate(harness.time.now - 1000),
        ]))
        _ = await harness.request(.get, "/redirect")
        _ = await harness.request(.get, "/redirect")
        #expect(harness.origin.count == 3)
    }

    @Test("Age from upstream and the response delay add to the served Age (§4.2.3)")
    func age() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=600", "Age": "100"]))
        _ = await harness.request()
        harness.time.advance(by: 10)
        #expect(await harness.request().field("Age") == "110")
        harness.time.advance(by: 500)
        #expect(await harness.request().cacheStatus.contains("fwd=stale"))
    }
}

@Suite("Shared-cache mode: what is stored (RFC 9111 §3)")
struct SharedCacheStorageTests {
    @Test("no-store and private are not stored; public is", arguments: [
        ("no-store, max-age=60", false), ("private, max-age=60", false), ("public, max-age=60", true),
    ])
    func directives(_ cacheControl: String, _ stored: Bool) async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": cacheControl]))
        _ = await harness.request()
        _ = await harness.request()
        #expect(harness.origin.count == (stored ? 1 : 2))
    }

    @Test("a request with Authorization is stored only with public, s-maxage or must-revalidate", arguments: [
        ("max-age=60", false), ("public, max-age=60", true), ("s-maxage=60", true), ("must-revalidate, max-age=60", true),
    ])
    func authorization(_ cacheControl: String, _ stored: Bool) async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": cacheControl]))
        _ = await harness.request(.get, "/a", ["Authorization": "Basic eDp5"])
        _ = await harness.request(.get, "/a", ["Authorization": "Basic eDp5"])
        #expect(harness.origin.count == (stored ? 1 : 2))
    }

    @Test("qualified private and no-cache fields are left out of the stored copy")
    func qualifiedFields() async {
        let harness = SharedCacheHarness(.init(fields: [
            "Cache-Control": "max-age=60, private=\"Set-Cookie\", no-cache=\"X-Secret\"",
            "Set-Cookie": "session=1", "X-Secret": "s", "X-Other": "o",
        ]))
        let first = await harness.request()
        #expect(first.field("Set-Cookie") == "session=1")
        let hit = await harness.request()
        #expect(hit.cacheStatus.contains("hit"))
        #expect(hit.field("Set-Cookie") == nil)
        #expect(hit.field("X-Secret") == nil)
        #expect(hit.field("X-Other") == "o")
    }

    @Test("a request's no-store keeps its response out of the cache")
    func requestNoStore() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"]))
        _ = await harness.request(.get, "/page", ["Cache-Control": "no-store"])
        _ = await harness.request()
        #expect(harness.origin.count == 2)
    }

    @Test("Vary: variants are kept apart, matched after normalising whitespace; Vary: * is not stored")
    func vary() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60", "Vary": "Accept-Language"]))
        _ = await harness.request(.get, "/v", ["Accept-Language": "en, fr"])
        _ = await harness.request(.get, "/v", ["Accept-Language": "de"])
        #expect(harness.origin.count == 2)
        #expect(await harness.request(.get, "/v", ["Accept-Language": "en,fr"]).cacheStatus.contains("hit"))
        #expect(await harness.request(.get, "/v", ["Accept-Language": "de"]).cacheStatus.contains("hit"))
        #expect(await harness.request(.get, "/v").cacheStatus.contains("fwd=vary-miss"))
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=60", "Vary": "*"]))
        _ = await harness.request(.get, "/star")
        _ = await harness.request(.get, "/star")
        #expect(harness.origin.count == 5)
    }

    @Test("hop-by-hop fields are not stored")
    func hopByHop() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60", "Connection": "X-Hop", "X-Hop": "1", "Keep-Alive": "timeout=5"]))
        _ = await harness.request()
        let hit = await harness.request()
        #expect(hit.field("X-Hop") == nil)
        #expect(hit.field("Keep-Alive") == nil)
    }
}

@Suite("Shared-cache mode: validation and request directives")
struct SharedCacheValidationTests {
    @Test("a stale response is revalidated with If-None-Match and If-Modified-Since; a 304 freshens it")
    func revalidation() async {
        let harness = SharedCacheHarness()
        let modified = SharedCacheHarness.httpDate(harness.time.now - 5000)
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=10", "ETag": "\"v1\"", "Last-Modified": modified, "X-Version": "1"]))
        _ = await harness.request()
        harness.time.advance(by: 20)
        harness.origin.reply(.init(status: .notModified, fields: ["Cache-Control": "max-age=100", "ETag": "\"v1\"", "X-Version": "2"], body: ""))
        let revalidated = await harness.request()
        #expect(revalidated.head.status == .ok)
        #expect(revalidated.text == "body")
        #expect(revalidated.field("X-Version") == "2")
        #expect(revalidated.cacheStatus.contains("fwd=stale; fwd-status=304"))
        let conditional = harness.origin.requests[1]
        #expect(conditional.headerFields[.ifNoneMatch] == "\"v1\"")
        #expect(conditional.headerFields[.ifModifiedSince] == modified)
        harness.time.advance(by: 50)
        #expect(await harness.request().cacheStatus.contains("hit"))
        #expect(harness.origin.count == 2)
    }

    @Test("no-cache responses are revalidated on every use")
    func responseNoCache() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "no-cache, max-age=600", "ETag": "\"n\""]))
        _ = await harness.request()
        harness.origin.reply(.init(status: .notModified, fields: ["ETag": "\"n\""], body: ""))
        #expect(await harness.request().text == "body")
        #expect(harness.origin.count == 2)
    }

    @Test("must-revalidate forbids serving stale even when the request allows max-stale")
    func mustRevalidate() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=1, must-revalidate", "ETag": "\"m\""]))
        _ = await harness.request()
        harness.time.advance(by: 10)
        _ = await harness.request(.get, "/page", ["Cache-Control": "max-stale"])
        #expect(harness.origin.count == 2)
    }

    @Test("request max-age, min-fresh, max-stale and no-cache", arguments: [
        ("max-age=5", 2), ("max-age=60", 1), ("min-fresh=50", 2), ("min-fresh=5", 1), ("no-cache", 2),
    ])
    func requestDirectives(_ directive: String, _ originRequests: Int) async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"]))
        _ = await harness.request()
        harness.time.advance(by: 20)
        _ = await harness.request(.get, "/page", ["Cache-Control": directive])
        #expect(harness.origin.count == originRequests)
    }

    @Test("max-stale serves a stale response within its bound")
    func maxStale() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=10"]))
        _ = await harness.request()
        harness.time.advance(by: 30)
        #expect(await harness.request(.get, "/page", ["Cache-Control": "max-stale=30"]).cacheStatus.contains("detail=stale"))
        _ = await harness.request(.get, "/page", ["Cache-Control": "max-stale=5"])
        #expect(harness.origin.count == 2)
    }

    @Test("only-if-cached answers 504 on a miss and serves a hit")
    func onlyIfCached() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"]))
        #expect(await harness.request(.get, "/page", ["Cache-Control": "only-if-cached"]).head.status == .gatewayTimeout)
        _ = await harness.request()
        #expect(await harness.request(.get, "/page", ["Cache-Control": "only-if-cached"]).head.status == .ok)
        #expect(harness.origin.count == 1)
    }

    @Test("a client's conditional request is answered 304 from the cache, with the 304's fields")
    func clientConditional() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60", "ETag": "W/\"e\"", "X-Body-Field": "x"]))
        _ = await harness.request()
        let notModified = await harness.request(.get, "/page", ["If-None-Match": "\"e\""])
        #expect(notModified.head.status == .notModified)
        #expect(notModified.field("ETag") == "W/\"e\"")
        #expect(notModified.field("X-Body-Field") == nil)
        #expect(notModified.text.isEmpty)
    }

    @Test("HEAD is answered from a stored GET, without a body")
    func head() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"]))
        _ = await harness.request()
        let head = await harness.request(.head)
        #expect(head.head.status == .ok)
        #expect(head.text.isEmpty)
        #expect(harness.origin.count == 1)
    }
}

@Suite("Shared-cache mode: invalidation, stale content, Cache-Status, stampedes")
struct SharedCacheBehaviourTests {
    @Test("an unsafe method invalidates the target URI and a same-origin Location, not another origin's")
    func invalidation() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=600"]))
        for path in ["/page", "/other", "/third"] { _ = await harness.request(.get, path) }
        harness.origin.reply(.init(status: .created, fields: ["Location": "/other", "Content-Location": "http://elsewhere.test/third"]))
        _ = await harness.request(.post, "/page")
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=600"]))
        #expect(await harness.request(.get, "/page").cacheStatus.contains("fwd=uri-miss"))
        #expect(await harness.request(.get, "/other").cacheStatus.contains("fwd=uri-miss"))
        #expect(await harness.request(.get, "/third").cacheStatus.contains("hit"))
    }

    @Test("an unsafe method that fails invalidates nothing")
    func failedUnsafe() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=600"]))
        _ = await harness.request()
        harness.origin.reply(.init(status: .internalServerError))
        _ = await harness.request(.delete)
        #expect(await harness.request().cacheStatus.contains("hit"))
    }

    @Test("stale-while-revalidate serves stale at once and revalidates in the background")
    func staleWhileRevalidate() async throws {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=10, stale-while-revalidate=60"], body: "old"))
        _ = await harness.request()
        harness.time.advance(by: 20)
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=10, stale-while-revalidate=60"], body: "new"))
        let stale = await harness.request()
        #expect(stale.text == "old")
        #expect(stale.cacheStatus.contains("stale-while-revalidate"))
        for _ in 0..<200 where harness.origin.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        for _ in 0..<200 {
            if await harness.request().text == "new" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await harness.request().text == "new")
        // One revalidation for the stale hit, not one per request: a request
        // that read the stale entry just before the background store landed,
        // and went on after that revalidation ended, may start one more (a
        // slow machine showed 3); the polling above made up to 200 requests.
        #expect((2...3).contains(harness.origin.count), "\(harness.origin.count) origin requests")
    }

    @Test("stale-if-error serves stale when the origin fails or answers 5xx; must-revalidate does not")
    func staleIfError() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=10, stale-if-error=600"], body: "kept"))
        _ = await harness.request()
        harness.time.advance(by: 20)
        harness.origin.reply(.init(fails: true))
        #expect(await harness.request().text == "kept")
        harness.origin.reply(.init(status: .serviceUnavailable, body: "down"))
        let served = await harness.request()
        #expect(served.text == "kept")
        #expect(served.cacheStatus.contains("stale-if-error"))

        let strict = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=10, must-revalidate, stale-if-error=600"]))
        _ = await strict.request()
        strict.time.advance(by: 20)
        strict.origin.reply(.init(fails: true))
        #expect(await strict.request().head.status == .badGateway)
    }

    @Test("Cache-Status is added only in debug mode")
    func cacheStatus() async {
        let quiet = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"]), cacheStatus: false)
        _ = await quiet.request()
        #expect(await quiet.request().field("Cache-Status") == nil)
        let debug = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"]))
        #expect(await debug.request().cacheStatus == "swift-caching; fwd=uri-miss; stored")
        #expect(await debug.request().cacheStatus == "swift-caching; hit; ttl=60")
    }

    @Test("concurrent misses for one URL send one request to the origin")
    func stampede() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60"], delay: .milliseconds(200)))
        let bodies = await withTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { await harness.request().text } }
            var bodies: [String] = []
            for await body in group { bodies.append(body) }
            return bodies
        }
        #expect(bodies.allSatisfy { $0 == "body" })
        #expect(harness.origin.count == 1)
    }

    @Test("a failing origin with nothing stored is a 502, not a crash")
    func originDown() async {
        let harness = SharedCacheHarness(.init(fails: true))
        #expect(await harness.request().head.status == .badGateway)
    }

    @Test("Cache-Control parsing: quoted arguments, case, invalid delta-seconds read as 0")
    func parsing() {
        let directives = CacheDirectives(parsing: "Max-Age=\"30\", private=\"a, b\", s-maxage=abc, no-cache, stale-if-error=5")
        #expect(directives.maxAge == 30)
        #expect(directives.privateFields == ["a", "b"])
        #expect(directives.sharedMaxAge == 0)
        #expect(directives.noCache)
        #expect(directives.staleIfError == 5)
        #expect(CacheDirectives(parsing: "max-age=99999999999").maxAge == CacheDirectives.maximumDeltaSeconds)
    }
}

@Suite("Shared-cache mode: malformed and conflicting origin headers")
struct SharedCacheBadInputTests {
    @Test("conflicting or malformed freshness is stale or uncacheable, never a crash", arguments: [
        ["Cache-Control": "max-age=60, max-age=0"],      // two max-ages: the first is used
        ["Cache-Control": "max-age=-5"],                 // negative: stale
        ["Cache-Control": "max-age=99999999999999999999"], // huge: clamped to 2^31
        ["Cache-Control": "max-age=\"unbalanced"],
        ["Expires": "not a date"],                       // invalid Expires: stale
        ["Expires": "Mon, 32 Oct 2010 00:00:00 GMT", "Date": "garbage"],
        ["Age": "-3", "Cache-Control": "max-age=60"],
        ["Vary": String(repeating: "X-A, ", count: 2000)],
    ])
    func malformed(_ fields: [String: String]) async {
        let harness = SharedCacheHarness(.init(fields: fields))
        let first = await harness.request()
        let second = await harness.request()
        #expect(first.head.status == .ok)
        #expect(second.text == "body")
    }

    @Test("two max-ages use the first; a negative one is stale; a huge one is fresh")
    func specifics() async {
        let duplicate = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=60, max-age=0"]))
        _ = await duplicate.request()
        #expect(await duplicate.request().cacheStatus.contains("hit"))
        let negative = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=-5", "ETag": "\"n\""]))
        _ = await negative.request()
        _ = await negative.request()
        #expect(negative.origin.count == 2)
        let huge = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=99999999999999999999"]))
        _ = await huge.request()
        huge.time.advance(by: 86_400 * 365)
        #expect(await huge.request().cacheStatus.contains("hit"))
        let badDate = SharedCacheHarness(.init(fields: ["Expires": "not a date", "ETag": "\"d\""]))
        _ = await badDate.request()
        _ = await badDate.request()
        #expect(badDate.origin.count == 2)
    }
}
