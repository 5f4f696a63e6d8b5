import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Testing

/// The shared-cache fixes found with the cache-tests.fyi conformance suite;
/// each test names the RFC section it checks.
@Suite("Shared-cache mode: dates, Age and targeted fields (RFC 9110 §5.6.7, RFC 9111 §5.1, RFC 9213)")
struct SharedCacheParsingTests {
    @Test("RFC 9110 §5.6.7: the IMF-fixdate and both obsolete forms parse; names in any case")
    func datesAccepted() {
        let expected: Double = 784_111_777
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.parse("Sun Nov 06 08:49:37 1994") == expected)
        #expect(HTTPDate.parse("SUN, 06 NOV 1994 08:49:37 gmt") == expected)
        #expect(HTTPDate.parse("sunday, 06-nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Tue, 19 Jan 2038 03:14:08 GMT") == 2_147_483_648)
    }

    @Test("RFC 9110 §5.6.7: anything but the three grammars is not a date", arguments: [
        "Thu, 18  Aug  2050 02:01:18 GMT",  // doubled spaces
        " Thu, 18 Aug 2050 02:01:18 GMT",  // leading space
        "Thu, 18 Aug 2050 02:01:18 GMT ",  // trailing space
        "Thu, 18 Aug 50 02:01:18 GMT",  // two-digit year in the IMF form
        "Thu 18 Aug 2050 02:01:18 GMT",  // missing comma
        "Thu, 18 Aug 2050 02:01:18 UTC",  // another zone
        "Thu, 18-Aug-2050 02:01:18 GMT",  // dashes in the IMF form
        "Thu, 18 Aug 2050 02.01.18 GMT",  // periods in the time
        "Thu, 18 Aug 2050 2:01:18 GMT",  // one-digit hour
        "Thu, 8 Aug 2050 02:01:18 GMT",  // one-digit day in the IMF form
        "Thu Aug 8 02:01:18 2050",  // asctime's day not padded
        "Thu Aug   8 02:01:18 2050",  // asctime padded twice
        "Xyz, 18 Aug 2050 02:01:18 GMT",  // no such day name
        "Thursday, 18-Aug-2050 02:01:18 GMT",  // four-digit year in the RFC 850 form
    ])
    func datesRejected(_ text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test("RFC 9111 §5.3: an Expires with doubled spaces is invalid, so the response is already stale")
    func expiresDoubleSpaces() async {
        let harness = SharedCacheHarness()
        let future = SharedCacheHarness.httpDate(harness.time.now + 3600)
        harness.origin.reply(.init(fields: ["Date": harness.date, "Expires": future.replacingOccurrences(of: " ", with: "  ")]))
        _ = await harness.request(.get, "/doubled")
        harness.time.advance(by: 1)
        _ = await harness.request(.get, "/doubled")
        #expect(harness.origin.count == 2)
        harness.origin.reply(.init(fields: ["Date": harness.date, "Expires": future]))
        _ = await harness.request(.get, "/single")
        harness.time.advance(by: 1)
        #expect(await harness.request(.get, "/single").cacheStatus.contains("hit"))
    }

    @Test("RFC 9111 §5.1: a list-valued Age counts by its first member", arguments: [
        ("7200, 0", false), ("0, 7200", true), ("old, 0", true), ("0, 0", true),
    ])
    func listAge(_ age: String, fresh: Bool) async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600", "Age": age]))
        _ = await harness.request()
        let second = await harness.request()
        #expect(second.cacheStatus.contains("hit") == fresh)
        #expect(harness.origin.count == (fresh ? 1 : 2))
    }

    @Test("RFC 9213 §2.2: CDN-Cache-Control replaces Cache-Control and Expires for this cache")
    func targetedField() async {
        let harness = SharedCacheHarness()
        // Only CDN-Cache-Control: stored and fresh.
        harness.origin.reply(.init(fields: ["CDN-Cache-Control": "max-age=3600"]))
        _ = await harness.request(.get, "/cdn")
        harness.time.advance(by: 100)
        #expect(await harness.request(.get, "/cdn").cacheStatus.contains("hit"))
        // A short CDN max-age wins over a long Cache-Control one.
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=3600", "CDN-Cache-Control": "max-age=1"]))
        _ = await harness.request(.get, "/short")
        harness.time.advance(by: 2)
        #expect(await harness.request(.get, "/short").cacheStatus.contains("fwd=stale"))
        // A long CDN max-age wins over a short Cache-Control one, and over a past Expires.
        harness.origin.reply(.init(fields: [
            "Cache-Control": "max-age=1", "CDN-Cache-Control": "max-age=3600",
            "Date": harness.date, "Expires": SharedCacheHarness.httpDate(harness.time.now - 10_000),
        ]))
        _ = await harness.request(.get, "/long")
        harness.time.advance(by: 2)
        #expect(await harness.request(.get, "/long").cacheStatus.contains("hit"))
        // CDN private: not stored, whatever Cache-Control says.
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=3600", "CDN-Cache-Control": "private"]))
        #expect(!(await harness.request(.get, "/private").cacheStatus.contains("stored")))
        // CDN max-age=0 and a future Expires: stale at once.
        harness.origin.reply(.init(fields: [
            "CDN-Cache-Control": "max-age=0", "Date": harness.date,
            "Expires": SharedCacheHarness.httpDate(harness.time.now + 10_000), "ETag": "\"e\"",
        ]))
        _ = await harness.request(.get, "/zero")
        #expect(await harness.request(.get, "/zero").cacheStatus.contains("fwd=stale"))
    }

    @Test("RFC 9213 §2.1: a CDN-Cache-Control that is not a valid dictionary is ignored; Cache-Control applies", arguments: [
        "max-age =100", "max-age= 100", "MaX-aGe=100", "max-age=100,", "max-age=\"100",
    ])
    func invalidTargetedField(_ value: String) async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=1", "CDN-Cache-Control": value]))
        _ = await harness.request()
        harness.time.advance(by: 2)
        #expect(await harness.request().cacheStatus.contains("fwd=stale"))
    }

    @Test("RFC 9213 §2.1 / RFC 8941 §3.2: targeted directives read as a Structured Field Dictionary")
    func targetedParsing() throws {
        let fields = HTTPFields([
            HTTPField(name: .cdnCacheControl, value: "foobar, max-age=99999999999, must-revalidate;x=1, private=\"set-cookie\""),
        ])
        let directives = try #require(TargetedCacheControl.directives(fields, targets: [.cdnCacheControl]))
        #expect(directives.maxAge == CacheDirectives.maximumDeltaSeconds)
        #expect(directives.mustRevalidate)
        #expect(directives.privateFields == ["set-cookie"])
        #expect(!directives.isPrivate)
        // Not on the target list, empty, or invalid: no targeted directives.
        #expect(TargetedCacheControl.directives(fields, targets: []) == nil)
        #expect(TargetedCacheControl.directives(HTTPFields([HTTPField(name: .cdnCacheControl, value: "")]), targets: [.cdnCacheControl]) == nil)
        #expect(TargetedCacheControl.directives(HTTPFields([HTTPField(name: .cdnCacheControl, value: "max-age=1;")]), targets: [.cdnCacheControl]) == nil)
    }

    @Test("RFC 9213 §2.2: with no targeted fields configured, CDN-Cache-Control is an ordinary field")
    func targetedFieldsOff() async {
        let location = "shared-untargeted-" + UUID().uuidString
        let time = ManualClockSource(start: 1_700_000_000)
        let clock = CacheClock.manual(time)
        let cache = Cache(backend: MemoryCacheBackend(location: location, configuration: .init(maxEntries: 100, clock: clock)))
        let shared = SharedHTTPCache(cache: cache, configuration: .init(cacheStatus: true, targetedFields: []), clock: clock)
        let origin = ScriptedOrigin(.init(fields: ["Cache-Control": "max-age=3600", "CDN-Cache-Control": "no-store"]))
        let request = HTTPRequest(method: .get, scheme: "http", authority: "example.test", path: "/")
        _ = await shared.respond(to: request, origin: origin.origin)
        #expect(await shared.respond(to: request, origin: origin.origin).cacheStatus.contains("hit"))
    }
}

@Suite("Shared-cache mode: storing and serving (RFC 9111 §3, §4.2.4, §4.3, §5.2.2.3; RFC 9110 §6.6.1, §14)")
struct SharedCacheServingTests {
    @Test("RFC 9111 §5.2.2.3: must-understand stores a known status despite no-store, and no unknown one")
    func mustUnderstand() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600, must-understand, no-store"]))
        _ = await harness.request(.get, "/known")
        #expect(await harness.request(.get, "/known").cacheStatus.contains("hit"))
        harness.origin.reply(.init(status: .init(code: 299), fields: ["Cache-Control": "max-age=3600, must-understand"]))
        _ = await harness.request(.get, "/unknown")
        _ = await harness.request(.get, "/unknown")
        #expect(harness.origin.count == 3)
    }

    @Test("RFC 9110 §6.6.1: the origin's Date is kept on hits; a response without one gets the time it arrived")
    func dates() async {
        let originDate = SharedCacheHarness.httpDate(1_600_000_000)
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600", "Date": originDate]))
        _ = await harness.request(.get, "/dated")
        harness.time.advance(by: 10)
        #expect(await harness.request(.get, "/dated").field("Date") == originDate)
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=3600"]))
        let arrival = harness.date
        #expect(await harness.request(.get, "/undated").field("Date") == arrival)
        harness.time.advance(by: 10)
        #expect(await harness.request(.get, "/undated").field("Date") == arrival)
    }

    @Test("RFC 9111 §5.1: Age is sent on responses from the cache, not on responses fetched or validated for this request")
    func ageOnlyOnHits() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600"]))
        #expect(await harness.request().field("Age") == nil)
        harness.time.advance(by: 5)
        #expect(await harness.request().field("Age") == "5")
        // Validated by the origin for this request: no Age.
        let validated = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=1", "ETag": "\"a\""]))
        _ = await validated.request()
        validated.time.advance(by: 5)
        validated.origin.reply(.init(status: .notModified, fields: ["Cache-Control": "max-age=1", "ETag": "\"a\""], body: ""))
        let answer = await validated.request()
        #expect(answer.cacheStatus.contains("fwd-status=304"))
        #expect(answer.field("Age") == nil)
    }

    @Test("RFC 9111 §4.2.4: a stale response stands in for an unreachable origin or a 5xx unless a directive forbids it")
    func staleOnError() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=1"], body: "kept"))
        _ = await harness.request()
        harness.time.advance(by: 5)
        harness.origin.reply(.init(fails: true))
        let disconnected = await harness.request()
        #expect(disconnected.text == "kept")
        #expect(disconnected.cacheStatus.contains("stale-on-error"))
        harness.origin.reply(.init(status: .serviceUnavailable, body: "down"))
        #expect(await harness.request().text == "kept")

        for directive in ["must-revalidate", "proxy-revalidate", "s-maxage=1", "no-cache"] {
            let strict = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=1, \(directive)"]))
            _ = await strict.request()
            strict.time.advance(by: 5)
            strict.origin.reply(.init(fails: true))
            #expect(await strict.request().head.status == .badGateway, "\(directive)")
        }
    }

    @Test("RFC 9111 §4.2.4: with staleOnError off only stale-if-error allows a stale answer")
    func staleOnErrorOff() async {
        let location = "shared-no-stale-" + UUID().uuidString
        let time = ManualClockSource(start: 1_700_000_000)
        let clock = CacheClock.manual(time)
        let cache = Cache(backend: MemoryCacheBackend(location: location, configuration: .init(maxEntries: 100, clock: clock)))
        let shared = SharedHTTPCache(cache: cache, configuration: .init(staleOnError: false), clock: clock)
        let origin = ScriptedOrigin(.init(fields: ["Cache-Control": "max-age=1"]))
        let request = HTTPRequest(method: .get, scheme: "http", authority: "example.test", path: "/")
        _ = await shared.respond(to: request, origin: origin.origin)
        time.advance(by: 5)
        origin.reply(.init(fails: true))
        #expect(await shared.respond(to: request, origin: origin.origin).head.status == .badGateway)
    }

    @Test("RFC 9111 §4.3.1, §4.3.5: a HEAD is revalidated with a HEAD, and a 304 freshens the stored GET")
    func headRevalidation() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=1", "ETag": "\"v1\""], body: "0123456789"))
        _ = await harness.request()
        harness.time.advance(by: 5)
        harness.origin.reply(.init(status: .notModified, fields: ["Cache-Control": "max-age=100", "ETag": "\"v1\""], body: ""))
        let head = await harness.request(.head)
        #expect(head.head.status == .ok)
        #expect(head.text.isEmpty)
        #expect(head.field("Content-Length") == "10")
        let revalidation = harness.origin.requests.last
        #expect(revalidation?.method == .head)
        #expect(revalidation?.headerFields[.ifNoneMatch] == "\"v1\"")
        // The 304 freshened the stored GET.
        let get = await harness.request()
        #expect(get.cacheStatus.contains("hit"))
        #expect(get.text == "0123456789")
        #expect(harness.origin.count == 2)
    }

    @Test("RFC 9111 §4.1, RFC 9110 §12.5.4: Vary on Accept-Language ignores case and the order of equal weights")
    func varyLanguageNormalised() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600", "Vary": "Accept-Language"]))
        _ = await harness.request(.get, "/page", ["Accept-Language": "en, de"])
        #expect(await harness.request(.get, "/page", ["Accept-Language": "eN, De"]).cacheStatus.contains("hit"))
        #expect(await harness.request(.get, "/page", ["Accept-Language": "de,en"]).cacheStatus.contains("hit"))
        // Other weights are another variant.
        #expect(!(await harness.request(.get, "/page", ["Accept-Language": "en, de;q=0.5"]).cacheStatus.contains("hit")))
        #expect(harness.origin.count == 2)
    }

    @Test("RFC 9111 §4.1: a variant in the language the request prefers most is selected")
    func varyLanguageSelected() async {
        let harness = SharedCacheHarness(.init(fields: [
            "Cache-Control": "max-age=3600", "Vary": "Accept-Language", "Content-Language": "de",
        ]))
        _ = await harness.request(.get, "/page", ["Accept-Language": "en, de"])
        #expect(await harness.request(.get, "/page", ["Accept-Language": "fr;q=0.5, de;q=1.0"]).cacheStatus.contains("hit"))
        #expect(!(await harness.request(.get, "/page", ["Accept-Language": "fr, de;q=0.5"]).cacheStatus.contains("hit")))
    }

    @Test("RFC 9110 §9.3.3: a POST response with explicit freshness and its own URI in Content-Location serves later GETs")
    func postResponseStored() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600", "Content-Location": "/page"], body: "posted"))
        #expect(await harness.request(.post).cacheStatus.contains("stored"))
        let get = await harness.request()
        #expect(get.cacheStatus.contains("hit"))
        #expect(get.text == "posted")
        // Another Content-Location, or no explicit freshness: not stored.
        harness.origin.reply(.init(fields: ["Cache-Control": "max-age=3600", "Content-Location": "/elsewhere"]))
        #expect(!(await harness.request(.post, "/other").cacheStatus.contains("stored")))
        harness.origin.reply(.init(fields: ["Content-Location": "/third"]))
        #expect(!(await harness.request(.post, "/third").cacheStatus.contains("stored")))
    }

    @Test("RFC 9110 §14.1.2: Range values parsed into one range, the whole body, or unsatisfiable", arguments: [
        ("bytes=0-1", ByteRanges.Answer.partial(0...1)),
        ("bytes=1-", .partial(1...9)),
        ("bytes=-3", .partial(7...9)),
        ("bytes=5-100", .partial(5...9)),
        ("BYTES = 2-2", .partial(2...2)),
        ("bytes=0-1, 5-6", .full),
        ("bytes=0-1, 20-30", .partial(0...1)),
        ("bytes=10-", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=3-1", .full),
        ("bytes=a-b", .full),
        ("items=0-1", .full),
        ("bytes=", .full),
    ])
    func rangeParsing(_ range: String, expected: ByteRanges.Answer) {
        #expect(ByteRanges.answer(range, length: 10) == expected)
    }

    @Test("RFC 9110 §14.2, §15.3.7, §15.5.17: a stored complete response answers Range with 206 or 416")
    func ranges() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600", "ETag": "\"r\""], body: "0123456789"))
        _ = await harness.request()
        let partial = await harness.request(.get, "/page", ["Range": "bytes=0-1"])
        #expect(partial.head.status == .partialContent)
        #expect(partial.text == "01")
        #expect(partial.field("Content-Range") == "bytes 0-1/10")
        #expect(await harness.request(.get, "/page", ["Range": "bytes=-1"]).text == "9")
        let refused = await harness.request(.get, "/page", ["Range": "bytes=50-"])
        #expect(refused.head.status == .rangeNotSatisfiable)
        #expect(refused.field("Content-Range") == "bytes */10")
        // Several ranges: the whole response (the documented single-range limit).
        let several = await harness.request(.get, "/page", ["Range": "bytes=0-1, 4-5"])
        #expect(several.head.status == .ok)
        #expect(several.text == "0123456789")
        // §13.1.5: an If-Range that does not match means the whole response.
        #expect(await harness.request(.get, "/page", ["Range": "bytes=0-1", "If-Range": "\"other\""]).head.status == .ok)
        #expect(await harness.request(.get, "/page", ["Range": "bytes=0-1", "If-Range": "\"r\""]).head.status == .partialContent)
        #expect(harness.origin.count == 1)
    }

    @Test("RFC 9111 §3.3: a fresh stored 206 answers Range requests it covers; others go to the origin")
    func partialStored() async {
        let harness = SharedCacheHarness(.init(
            status: .partialContent, fields: ["Cache-Control": "max-age=3600", "Content-Range": "bytes 4-9/10"], body: "456789"))
        let first = await harness.request(.get, "/page", ["Range": "bytes=-6"])
        #expect(first.cacheStatus.contains("stored"))
        let same = await harness.request(.get, "/page", ["Range": "bytes=-6"])
        #expect(same.head.status == .partialContent)
        #expect(same.text == "456789")
        #expect(same.field("Content-Range") == "bytes 4-9/10")
        let inner = await harness.request(.get, "/page", ["Range": "bytes=6-8"])
        #expect(inner.text == "678")
        #expect(inner.field("Content-Range") == "bytes 6-8/10")
        #expect(await harness.request(.get, "/page", ["Range": "bytes=-1"]).text == "9")
        #expect(harness.origin.count == 1)
        // Outside the part, or no Range at all: the origin.
        _ = await harness.request(.get, "/page", ["Range": "bytes=0-1"])
        _ = await harness.request()
        #expect(harness.origin.count == 3)
        // A Content-Range that does not match the body is not stored.
        harness.origin.reply(.init(status: .partialContent, fields: ["Cache-Control": "max-age=3600", "Content-Range": "bytes 0-1/10"], body: "012"))
        #expect(!(await harness.request(.get, "/bad", ["Range": "bytes=0-1"]).cacheStatus.contains("stored")))
    }

    @Test("RFC 9110 §14.2: a Range miss whose origin sent the whole body is narrowed once stored")
    func rangeOnMiss() async {
        let harness = SharedCacheHarness(.init(fields: ["Cache-Control": "max-age=3600"], body: "0123456789"))
        let first = await harness.request(.get, "/page", ["Range": "bytes=2-3"])
        #expect(first.head.status == .partialContent)
        #expect(first.text == "23")
        #expect(await harness.request().text == "0123456789")
        #expect(harness.origin.count == 1)
    }
}

@Suite("Shared-cache settings: targeted fields (RFC 9213)")
struct SharedCacheSettingsTests {
    @Test("RFC 9213 §2.2: httpCache.targetedCacheControl names the targeted fields; a non-name is an error")
    func targetedSetting() throws {
        #expect(HTTPCacheSettings().targetedCacheControl == ["CDN-Cache-Control"])
        let settings = try HTTPCacheSettings(document: .object([
            "httpCache": .object(["targetedCacheControl": .array([.string("Example-Cache-Control"), .string("CDN-Cache-Control")])]),
        ]))
        #expect(settings.targetedCacheControl == ["Example-Cache-Control", "CDN-Cache-Control"])
        #expect(throws: CacheConfigurationError.self) {
            try HTTPCacheSettings(document: .object(["httpCache": .object(["targetedCacheControl": .array([.string("not a name")])])]))
        }
    }
}

@Suite("Shared-cache mode: malformed targeted fields and ranges")
struct SharedCacheMalformedTests {
    @Test("RFC 8941 §4.2: a value that is not a dictionary gives no targeted directives, never a crash", arguments: [
        "", ",", "=", "a=", "a=(", "a=(1 2", "a=\"", "a=\"\\", "a=?", "a=?2", "a=:abc", "a=-", "a=1.", "a=1.2345",
        "a=99999999999999999999", ";", "a;b=", "a,", "A=1", "a=1,,b", "a=1 b", String(repeating: "a=1, ", count: 2_000),
    ])
    func malformedDictionary(_ value: String) {
        let fields = HTTPFields([HTTPField(name: .cdnCacheControl, value: value)])
        #expect(TargetedCacheControl.directives(fields, targets: [.cdnCacheControl]) == nil)
    }

    @Test("RFC 9110 §14.2: a Range that does not parse is ignored (the whole response), never a crash", arguments: [
        "bytes=-", "bytes=--1", "bytes=99999999999999999999999-", "bytes=,,,", "bytes=1-2-3", "bytes 0-1", "=0-1", "bytes=0-1;x",
    ])
    func malformedRange(_ value: String) {
        #expect(ByteRanges.answer(value, length: 10) == .full)
    }
}
