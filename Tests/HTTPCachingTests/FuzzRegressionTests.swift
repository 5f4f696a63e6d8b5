import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Testing

/// A store whose entries are raw bytes, as a shared Redis, a database or a
/// disk hands them back: possibly written by another program, or corrupted.
/// The page cache's header-list key holds an empty list.
struct RawBytesBackend: CacheBackend {
    let bytes: [UInt8]
    var name: String { "raw-bytes" }
    func get(_ key: String) async throws -> CacheValue? {
        key.contains(".cache_header.") ? .bytes(Array("j[]".utf8)) : .bytes(bytes)
    }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {}
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { false }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { false }
    func delete(_ key: String) async throws -> Bool { false }
    func hasKey(_ key: String) async throws -> Bool { true }
    func increment(_ key: String, by delta: Int) async throws -> Int { throw CacheError.keyNotFound(key: key) }
    func clear() async throws {}

    /// A coded JSON value (`j` then the JSON), as ``DefaultCacheValueCoder`` writes one.
    init(json: String) {
        bytes = Array(("j" + json).utf8)
    }
}

/// Inputs found by `scripts/fuzz.sh` (Fuzz/) that trapped, kept as tests.
@Suite("Fuzzing regressions: stored entries and settings")
struct FuzzRegressionTests {
    static let now = 1_700_000_000.0

    static func storedResponse(status: Int = 200, fields: String = #"[["Cache-Control","max-age=60"]]"#, times: String = "1700000000") -> String {
        #"{"status":\#(status),"reasonPhrase":"OK","fields":\#(fields),"body":"aGVsbG8=","varyValues":{},"requestTime":\#(times),"responseTime":\#(times)}"#
    }

    static func shared(_ json: String) -> SharedHTTPCache {
        SharedHTTPCache(cache: Cache(backend: RawBytesBackend(json: json)), clock: CacheClock { now })
    }

    static func request(_ fields: HTTPFields = [:]) -> HTTPRequest {
        HTTPRequest(method: .get, scheme: "http", authority: "example.test", path: "/page", headerFields: fields)
    }

    @Test("a date before year 1000 formats with a four-digit year, which parses back (fuzz-http-headers)")
    func httpDateFourDigitYear() throws {
        let seconds = try #require(HTTPDate.parse("Thu, 28 Feb 0063 23:59:59 GMT"))
        #expect(HTTPDate.format(seconds) == "Wed, 28 Feb 0063 23:59:59 GMT")
        #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test("the learned header list is in code-point order, as Python sorts it, whatever the Vary names hold (fuzz-http-headers)")
    func headerListCodePointOrder() {
        var fields = HTTPFields()
        for name in ["4H", "4G", "S \u{0}\u{0}4H", "\u{0338}\u{FFFD}2. Ful", " 2016 02*9", "P"] {
            fields.append(HTTPField(name: .vary, value: name))
        }
        let list = PageCacheKey().headerList(vary: fields)
        #expect(list == list.sorted { $0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) })
        #expect(list.first == "HTTP_2016 02*9")
        #expect(list.allSatisfy { $0.utf8.starts(with: "HTTP_".utf8) })
        #expect(list.last?.unicodeScalars.dropFirst(5).first == "\u{0338}")
    }

    @Test("entity tags are read by bytes: a quote or comma followed by a combining mark still counts (fuzz-http-headers)")
    func entityTagCombiningMarks() {
        let combining = "\u{0345}"
        #expect(EntityTag.isValid("\"" + combining + "x\""))
        #expect(EntityTag.isValid(EntityTag.quote(combining + "\u{FFFD}")))
        #expect(EntityTag.parseList("\"a\"," + combining + "\"b\"") == ["\"a\""])
        #expect(EntityTag.parseList("\"a\",\"" + combining + "\"") == ["\"a\"", "\"" + combining + "\""])
        #expect(EntityTag.isWeak("W/" + combining + "\"x\"") == true)
        #expect(!EntityTag.weaklyEqual("\"e\u{301}\"", "\"\u{E9}\""))
        // The 1M-run crasher: a quote plus a combining mark inside a value is a
        // quote byte, so quoting keeps it (Django's quote_etag does the same)
        // and the result is not a valid tag; the list parser drops it.
        let inner = "sdaD =60, stale-if-error}99999999992\"\u{0342}"
        #expect(EntityTag.quote(inner) == "\"" + inner + "\"")
        #expect(!EntityTag.isValid(EntityTag.quote(inner)))
        #expect(EntityTag.parseList(EntityTag.quote(inner)).isEmpty)
    }

    @Test("a stored response whose status is not three digits is a miss, not a trap in HTTPResponse.Status")
    func storedStatusOutOfRange() async throws {
        let shared = Self.shared(#"{"variants":[\#(Self.storedResponse(status: 1000))]}"#)
        let origin = ScriptedOrigin(.init(body: "from origin"))
        let response = await shared.respond(to: Self.request(), origin: origin.origin)
        #expect(response.head.status == .ok)
        #expect(response.text == "from origin")
        #expect(origin.count == 1)
        let coder = DefaultCacheValueCoder()
        #expect(throws: CacheValueCoderError.self) {
            try coder.decode(StoredHTTPResponse.self, from: Array(("j" + Self.storedResponse(status: -1)).utf8))
        }
    }

    @Test("a stored response with absurd times is served with Age clamped to 2^31, not a trap converting to Int")
    func storedTimesOutOfRange() async throws {
        let fields = #"[["Cache-Control","max-age=60"],["Date","Sun, 17 Jul 2016 10:00:00 GMT"]]"#
        let shared = Self.shared(#"{"variants":[\#(Self.storedResponse(fields: fields, times: "1e300"))]}"#)
        let origin = ScriptedOrigin()
        let response = await shared.respond(to: Self.request([.cacheControl: "max-stale"]), origin: origin.origin)
        #expect(response.head.status == .ok)
        #expect(response.head.headerFields[.age] == "2147483648")
        #expect(origin.count == 0)
    }

    @Test("a stored page with an absurd Expires is served with Age clamped to 2^31, not a trap converting to Int")
    func storedPageExpiresOutOfRange() async throws {
        let page = #"{"response":\#(Self.storedResponse()),"maxAge":60,"expires":-1e300}"#
        let pages = PageCache(cache: Cache(backend: RawBytesBackend(json: page)), clock: CacheClock { Self.now })
        let hit = try #require(await pages.lookup(Self.request()))
        #expect(hit.head.headerFields[.age] == "2147483648")
        #expect(hit.body == Array("hello".utf8))
    }

    @Test("httpCache and cacheHeaders numbers too large for an Int are settings errors, not traps", arguments: [
        #"{"httpCache": {"defaultTimeout": 1e300}}"#,
        #"{"httpCache": {"maxBodyBytes": 99999999999999999999}}"#,
        #"{"httpCache": {"defaultTimeout": 0.5}}"#,
    ])
    func httpCacheNumbers(json: String) throws {
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        #expect(throws: CacheConfigurationError.self) { try HTTPCacheSettings(document: document) }
    }

    @Test("cacheHeaders.browserCacheSeconds too large for an Int is a settings error, not a trap")
    func browserSecondsOutOfRange() throws {
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"cacheHeaders": {"browserCacheSeconds": -1e19}}"#.utf8))
        #expect(throws: CacheConfigurationError.self) { try CacheHeadersConfiguration(document: document) }
    }
}
