import HTTPCaching
import HTTPTypes
import Testing

func fields(_ pairs: [(HTTPField.Name, String)]) -> HTTPFields {
    var result = HTTPFields()
    for (name, value) in pairs { result.append(HTTPField(name: name, value: value)) }
    return result
}

@Suite("Header helpers (spec §5)")
struct HTTPCacheHeadersTests {
    @Test("patch_cache_control: Django's worked example")
    func patchExample() {
        var headers = fields([(.cacheControl, "max-age=100, Private, no-cache=Set-Cookie")])
        HTTPCacheHeaders.patchCacheControl(&headers, [.maxAge(50), .public, .noCache(field: "Link"), .sharedMaxAge(0)])
        #expect(headers[.cacheControl] == "max-age=50, no-cache=Link, no-cache=Set-Cookie, public, s-maxage=0")
    }

    @Test("patch_cache_control merge rules", arguments: [
        ("max-age=10", [CacheControlHeader.Directive.maxAge(50)], "max-age=10"),
        ("public", [.private], "private"),
        ("private, max-age=1", [.public], "max-age=1, public"),
        ("no-cache=Set-Cookie", [.noCache], "no-cache"),
        ("", [.noCache, .noStore], "no-cache, no-store"),
        ("must-revalidate", [CacheControlHeader.Directive("private", .argument("False"))], "must-revalidate, private=False"),
        ("max-age=abc", [.maxAge(5)], "max-age=5"),
    ])
    func patchRules(_ existing: String, _ patch: [CacheControlHeader.Directive], _ expected: String) {
        var headers = existing.isEmpty ? HTTPFields() : fields([(.cacheControl, existing)])
        HTTPCacheHeaders.patchCacheControl(&headers, patch)
        #expect(headers[.cacheControl] == expected)
    }

    @Test("get_max_age", arguments: [("max-age=3600", 3600), ("public, max-age=0", 0), ("max-age=abc", nil), ("no-cache", nil)] as [(String, Int?)])
    func maxAge(_ header: String, _ expected: Int?) {
        #expect(HTTPCacheHeaders.maxAge(fields([(.cacheControl, header)])) == expected)
        #expect(HTTPCacheHeaders.maxAge(HTTPFields()) == nil)
    }

    @Test("patch_response_headers: Expires only if absent, max-age takes the minimum, negative is 0")
    func patchResponseHeaders() {
        let now = 1_468_749_600.0  // Sun, 17 Jul 2016 10:00:00 GMT
        var headers = HTTPFields()
        HTTPCacheHeaders.patchResponseHeaders(&headers, timeout: 2, now: now)
        #expect(headers[.expires] == "Sun, 17 Jul 2016 10:00:02 GMT")
        #expect(headers[.cacheControl] == "max-age=2")
        var kept = fields([(.expires, "Mon, 01 Jan 2001 00:00:00 GMT"), (.cacheControl, "max-age=1")])
        HTTPCacheHeaders.patchResponseHeaders(&kept, timeout: 600, now: now)
        #expect(kept[.expires] == "Mon, 01 Jan 2001 00:00:00 GMT")
        #expect(kept[.cacheControl] == "max-age=1")
        var negative = HTTPFields()
        HTTPCacheHeaders.patchResponseHeaders(&negative, timeout: -5, now: now)
        #expect(negative[.cacheControl] == "max-age=0")
        #expect(negative[.expires] == "Sun, 17 Jul 2016 10:00:00 GMT")
    }

    @Test("add_never_cache_headers on an empty response, and dropping public")
    func neverCache() {
        var headers = HTTPFields()
        HTTPCacheHeaders.addNeverCacheHeaders(&headers, now: 1_468_749_600)
        #expect(headers[.cacheControl] == "max-age=0, no-cache, no-store, must-revalidate, private")
        #expect(headers[.expires] == "Sun, 17 Jul 2016 10:00:00 GMT")
        var public_ = fields([(.cacheControl, "public, max-age=600")])
        HTTPCacheHeaders.addNeverCacheHeaders(&public_, now: 0)
        #expect(public_[.cacheControl] == "max-age=0, no-cache, no-store, must-revalidate, private")
    }

    @Test("patch_vary_headers examples", arguments: [
        (nil, ["Accept-Encoding"], "Accept-Encoding"),
        ("Accept-Encoding", ["accept-encoding"], "Accept-Encoding"),
        ("Cookie", ["Accept-Encoding"], "Cookie, Accept-Encoding"),
        (nil, ["Accept-Encoding", "COOKIE"], "Accept-Encoding, COOKIE"),
        ("*", ["Accept-Encoding"], "*"),
        ("Accept-Language, Cookie", ["*"], "*"),
        ("Cookie    ,     Accept-Encoding", ["Accept-Language"], "Cookie, Accept-Encoding, Accept-Language"),
    ] as [(String?, [String], String)])
    func patchVary(_ existing: String?, _ names: [String], _ expected: String) {
        var headers = existing.map { fields([(.vary, $0)]) } ?? HTTPFields()
        HTTPCacheHeaders.patchVaryHeaders(&headers, names)
        #expect(headers[.vary] == expected)
    }

    @Test("has_vary_header is case-insensitive; no Vary is false")
    func hasVary() {
        let headers = fields([(.vary, "Accept-Encoding, Cookie")])
        #expect(HTTPCacheHeaders.hasVaryHeader(headers, "cookie"))
        #expect(!HTTPCacheHeaders.hasVaryHeader(headers, "Accept-Language"))
        #expect(!HTTPCacheHeaders.hasVaryHeader(HTTPFields(), "Cookie"))
    }

    @Test("set_response_etag: quoted md5 of the body; none for an empty body")
    func etag() {
        var headers = HTTPFields()
        HTTPCacheHeaders.setETag(&headers, body: Array("hello".utf8))
        #expect(headers[.eTag] == "\"5d41402abc4b2a76b9719d911017c592\"")
        var empty = HTTPFields()
        HTTPCacheHeaders.setETag(&empty, body: [])
        #expect(empty[.eTag] == nil)
    }

    @Test("HTTP dates: format, the three parse forms, invalid dates are nil")
    func dates() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(HTTPDate.parse("Mon, 32 Oct 2010 00:00:00 GMT") == nil)
        #expect(HTTPDate.parse("garbage") == nil)
        #expect(HTTPDate.parse("") == nil)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 25:49:37 GMT") == nil)
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.parse(HTTPDate.format(4_102_444_800)) == 4_102_444_800)
    }

    @Test("ETag lists: *, valid items kept, invalid dropped; quote")
    func etagLists() {
        #expect(EntityTag.parseList(" * ") == ["*"])
        #expect(EntityTag.parseList("\"a\", W/\"b\", c, \"d") == ["\"a\"", "W/\"b\""])
        #expect(EntityTag.parseList("\"\"\"") == [])
        #expect(EntityTag.quote("abc") == "\"abc\"")
        #expect(EntityTag.quote("W/\"x\"") == "W/\"x\"")
    }

    @Test("malformed headers never crash", arguments: [
        "", ",,,", "max-age=", "=", "\"unbalanced", String(repeating: "max-age=1,", count: 10_000), "no-cache=\"a,b",
    ])
    func malformed(_ value: String) {
        var headers = fields([(.cacheControl, value), (.vary, value)])
        HTTPCacheHeaders.patchCacheControl(&headers, [.maxAge(5)])
        HTTPCacheHeaders.patchVaryHeaders(&headers, ["Cookie"])
        _ = CacheDirectives(parsing: value)
        _ = EntityTag.parseList(value)
        _ = HTTPDate.parse(value)
        #expect(headers[.cacheControl] != nil)
    }
}

@Suite("Conditional requests (spec §5, §7, §8)")
struct ConditionalRequestTests {
    func request(_ method: HTTPRequest.Method, _ pairs: [(HTTPField.Name, String)]) -> HTTPRequest {
        HTTPRequest(method: method, scheme: "http", authority: "testserver", path: "/", headerFields: fields(pairs))
    }

    func request(_ pairs: [(HTTPField.Name, String)]) -> HTTPRequest {
        request(.get, pairs)
    }

    let lastModified = 1_468_749_600.0  // 2016-07-17 10:00:00
    var lastModifiedText: String { HTTPDate.format(lastModified) }

    @Test("If-None-Match: equal, weak or * → 304 on GET, 412 on PUT; no match → proceed")
    func ifNoneMatch() {
        let etag = "\"abc\""
        #expect(ConditionalRequest.evaluate(request([(.ifNoneMatch, "\"abc\"")]), etag: etag, lastModified: nil) == .notModified)
        #expect(ConditionalRequest.evaluate(request([(.ifNoneMatch, "W/\"abc\"")]), etag: etag, lastModified: nil) == .notModified)
        #expect(ConditionalRequest.evaluate(request([(.ifNoneMatch, "*")]), etag: etag, lastModified: nil) == .notModified)
        #expect(ConditionalRequest.evaluate(request([(.ifNoneMatch, "\"x\", \"abc\"")]), etag: etag, lastModified: nil) == .notModified)
        #expect(ConditionalRequest.evaluate(request(.put, [(.ifNoneMatch, "\"abc\"")]), etag: etag, lastModified: nil) == .preconditionFailed)
        #expect(ConditionalRequest.evaluate(request([(.ifNoneMatch, "\"x\"")]), etag: etag, lastModified: nil) == .proceed)
        #expect(ConditionalRequest.evaluate(request([(.ifNoneMatch, "*")]), etag: nil, lastModified: nil) == .proceed)
    }

    @Test("If-Match: strong comparison; * needs an ETag; weak resource ETags fail")
    func ifMatch() {
        #expect(ConditionalRequest.evaluate(request(.put, [(.ifMatch, "\"abc\"")]), etag: "\"abc\"", lastModified: nil) == .proceed)
        #expect(ConditionalRequest.evaluate(request(.put, [(.ifMatch, "\"x\"")]), etag: "\"abc\"", lastModified: nil) == .preconditionFailed)
        #expect(ConditionalRequest.evaluate(request([(.ifMatch, "*")]), etag: "\"abc\"", lastModified: nil) == .proceed)
        #expect(ConditionalRequest.evaluate(request([(.ifMatch, "W/\"w\"")]), etag: "W/\"w\"", lastModified: nil) == .preconditionFailed)
        #expect(ConditionalRequest.evaluate(request([(.ifMatch, "*")]), etag: "W/\"w\"", lastModified: nil) == .proceed)
        #expect(ConditionalRequest.evaluate(request([(.ifMatch, "*")]), etag: nil, lastModified: nil) == .preconditionFailed)
        #expect(ConditionalRequest.evaluate(request([(.ifMatch, "\"zzz\"")]), etag: "\"abc\"", lastModified: nil) == .preconditionFailed)
    }

    @Test("If-Modified-Since and If-Unmodified-Since; If-None-Match takes precedence")
    func dates() {
        let equal = lastModifiedText
        let before = HTTPDate.format(lastModified - 1)
        #expect(ConditionalRequest.evaluate(request([(.ifModifiedSince, equal)]), etag: nil, lastModified: lastModified) == .notModified)
        #expect(ConditionalRequest.evaluate(request([(.ifModifiedSince, before)]), etag: nil, lastModified: lastModified) == .proceed)
        #expect(ConditionalRequest.evaluate(request([(.ifModifiedSince, equal)]), etag: nil, lastModified: nil) == .proceed)
        #expect(ConditionalRequest.evaluate(request([(.ifUnmodifiedSince, before)]), etag: nil, lastModified: lastModified) == .preconditionFailed)
        #expect(ConditionalRequest.evaluate(request([(.ifModifiedSince, equal), (.ifNoneMatch, "\"other\"")]), etag: "\"abc\"", lastModified: lastModified) == .proceed)
        #expect(ConditionalRequest.evaluate(request([(.ifModifiedSince, "garbage")]), etag: nil, lastModified: lastModified) == .proceed)
    }

    @Test("a 304 keeps Cache-Control, ETag, Vary and cookies, and drops Content-Type; a 412 keeps nothing of the response (Django's empty HttpResponse(status=412))")
    func answers() {
        let response = HTTPResponse(status: .ok, headerFields: fields([
            (.cacheControl, "max-age=10"), (.eTag, "\"5d41402abc4b2a76b9719d911017c592\""), (.vary, "Cookie"),
            (.setCookie, "c=v"), (.contentType, "text/html"),
        ]))
        let notModified = ConditionalRequest.answer(request([(.ifNoneMatch, "\"5d41402abc4b2a76b9719d911017c592\"")]), to: response)
        #expect(notModified?.status == .notModified)
        #expect(notModified?.headerFields[.setCookie] == "c=v")
        #expect(notModified?.headerFields[.vary] == "Cookie")
        #expect(notModified?.headerFields[.contentType] == nil)
        let failed = ConditionalRequest.answer(request([(.ifMatch, "\"zzz\"")]), to: response)
        #expect(failed?.status == .preconditionFailed)
        #expect(failed?.headerFields == [.contentType: "text/html; charset=utf-8"])
        #expect(ConditionalRequest.answer(request([(.ifNoneMatch, "*")]), to: HTTPResponse(status: .notFound)) == nil)
    }
}
