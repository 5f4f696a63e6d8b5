// libFuzzer target for the HTTP header parsers: the first byte picks one of
// Cache-Control (Django's patching parser), Cache-Control (RFC 9111 reader),
// Vary, entity-tag lists, If-* evaluation, HTTP dates, CDN-Cache-Control
// (RFC 9213 targeted fields) and Range / If-Range.
import FuzzSupport
import HTTPTypes
@testable import HTTPCaching

/// The process entry point: SwiftPM links `main` to this; it runs libFuzzer.
@_cdecl("fuzz_http_headers_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTestOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    switch input.selector(8) {
    case 0?: fuzzCacheControlHeader(input.text)
    case 1?: fuzzCacheDirectives(input.text)
    case 2?: fuzzVary(input.text)
    case 3?: fuzzEntityTags(input.text)
    case 4?: fuzzConditionalRequest(input.text)
    case 5?: fuzzHTTPDate(input.text)
    case 6?: fuzzTargetedCacheControl(input.text)
    case 7?: fuzzRange(input.text)
    default: break
    }
    return 0
}

/// Django's parse → format is a fixed point after one pass, and patching works
/// on whatever was parsed.
func fuzzCacheControlHeader(_ text: String) {
    ParserRuns.count("cache-control")
    var header = CacheControlHeader(parsing: text)
    let written = header.description
    let reparsed = CacheControlHeader(parsing: written)
    require(reparsed.description == written, "Cache-Control '\(text)' → '\(written)' → '\(reparsed.description)'")
    require(reparsed.names == header.names, "Cache-Control names changed on a round trip of '\(text)'")
    _ = header.maxAge
    header.patch([.maxAge(60), .public, .noCache(field: "Set-Cookie")])
    require(header.maxAge.map { $0 <= 60 } ?? false, "patched max-age of '\(text)' is not at most 60")
    require(header.contains("public") && !header.contains("private"), "public did not replace private in '\(text)'")
}

/// RFC 9111 reading: delta-seconds in 0...2^31, field names lower-cased, and
/// the same directives whether read as one line or from header fields.
func fuzzCacheDirectives(_ text: String) {
    ParserRuns.count("cache-directives")
    let directives = CacheDirectives(parsing: text)
    let numbers = [
        directives.maxAge, directives.sharedMaxAge, directives.staleWhileRevalidate,
        directives.staleIfError, directives.maxStale, directives.minFresh,
    ]
    for number in numbers.compactMap({ $0 }) {
        require((0...CacheDirectives.maximumDeltaSeconds).contains(number), "delta-seconds \(number) from '\(text)'")
    }
    for name in directives.noCacheFields + directives.privateFields {
        require(!name.isEmpty && name == name.lowercased(), "field name '\(name)' from '\(text)'")
    }
    var fields = HTTPFields()
    fields[.cacheControl] = text
    if fields[.cacheControl] == text {
        require(CacheDirectives(fields) == directives, "Cache-Control read differently from fields: '\(text)'")
    }
}

/// Vary: names are trimmed and non-empty; after patching, each patched name is
/// present (or Vary is `*`); the page key's header list is sorted `HTTP_` names.
func fuzzVary(_ text: String) {
    ParserRuns.count("vary")
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    var fields = HTTPFields()
    for line in lines.dropLast() {
        fields.append(HTTPField(name: .vary, value: String(line)))
    }
    for name in HTTPCacheHeaders.varyNames(fields) {
        require(!name.isEmpty && name.trimmingHTTPWhitespace() == name, "Vary name '\(name)' from '\(text)'")
    }
    let headerList = PageCacheKey().headerList(vary: fields)
    let codePointOrder = headerList.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    // By bytes: a name may begin with a combining mark, which joins "_" into
    // one Character, so `hasPrefix("HTTP_")` would say no.
    require(headerList == codePointOrder && headerList.allSatisfy { $0.utf8.starts(with: "HTTP_".utf8) }, "header list \(headerList)")
    let added = lines.last.map { $0.split(separator: ",").map(String.init) } ?? []
    HTTPCacheHeaders.patchVaryHeaders(&fields, added)
    guard fields[.vary] != "*" else { return }
    for name in added {
        let trimmed = name.trimmingHTTPWhitespace()
        // Field values are legalised (control characters become spaces): check plain names.
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { continue }
        require(HTTPCacheHeaders.hasVaryHeader(fields, String(trimmed)), "patched Vary lacks '\(trimmed)': \(fields[.vary] ?? "")")
    }
}

/// Entity-tag lists: every tag is valid (or the lone `*`), and a list written
/// back parses to the same tags.
func fuzzEntityTags(_ text: String) {
    ParserRuns.count("etag-list")
    let tags = EntityTag.parseList(text)
    if tags == ["*"] { return }
    for tag in tags {
        require(EntityTag.isValid(tag), "invalid tag '\(tag)' kept from '\(text)'")
        require(EntityTag.weaklyEqual(tag, tag), "tag '\(tag)' not weakly equal to itself")
    }
    require(EntityTag.parseList(tags.joined(separator: ", ")) == tags, "tags \(tags) do not round-trip")
    // Bytes, not Characters: a quote followed by a combining mark is one
    // Character that is not `"`, yet its first byte is a quote.
    if !text.utf8.contains(UInt8(ascii: "\"")) {
        require(EntityTag.isValid(EntityTag.quote(text)), "quote('\(text)') is not a valid tag")
    }
}

/// If-* evaluation over arbitrary header values: 304 only for GET/HEAD, no
/// preconditions means proceed, and the 304 keeps only the allowed fields.
func fuzzConditionalRequest(_ text: String) {
    ParserRuns.count("if-headers")
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
    func next() -> String? {
        guard let line = lines.popFirst(), !line.isEmpty else { return nil }
        return line
    }
    let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete]
    let method = methods[(next()?.utf8.first).map { Int($0) % methods.count } ?? 0]
    var request = HTTPRequest(method: method, scheme: "http", authority: "example.com", path: "/")
    let conditions: [HTTPField.Name] = [.ifMatch, .ifNoneMatch, .ifModifiedSince, .ifUnmodifiedSince]
    for name in conditions {
        if let value = next() { request.headerFields[name] = value }
    }
    let etag = next()
    let lastModifiedText = next()
    let lastModified = lastModifiedText.flatMap { HTTPDate.parse($0) }
    let outcome = ConditionalRequest.evaluate(request, etag: etag, lastModified: lastModified)
    if outcome == .notModified {
        require(method == .get || method == .head, "304 for \(method)")
    }
    if conditions.allSatisfy({ request.headerFields[$0] == nil }) {
        require(outcome == .proceed, "no preconditions but \(outcome)")
    }
    var response = HTTPResponse(status: .ok)
    if let etag { response.headerFields[.eTag] = etag }
    if let lastModifiedText { response.headerFields[.lastModified] = lastModifiedText }
    response.headerFields[.contentType] = "text/plain"
    if let answer = ConditionalRequest.answer(request, to: response), answer.status == .notModified {
        require(answer.headerFields[.contentType] == nil, "a 304 kept Content-Type")
    }
}

/// HTTP dates: whatever parses is a real instant that formats to an
/// IMF-fixdate parsing back to the same instant.
func fuzzHTTPDate(_ text: String) {
    ParserRuns.count("http-date")
    guard let seconds = HTTPDate.parse(text, now: 2026) else { return }
    require(seconds.isFinite && seconds == seconds.rounded(.down), "'\(text)' parsed to \(seconds)")
    let written = HTTPDate.format(seconds)
    require(HTTPDate.parse(written, now: 2026) == seconds, "'\(text)' → \(seconds) → '\(written)' does not parse back")
    _ = HTTPDate.parse(text)
}

/// CDN-Cache-Control (RFC 9213): a Structured Field Dictionary or nothing.
/// Delta-seconds end up in 0...2^31; a value that parses as a non-empty
/// dictionary is used (and then reads the same split over several lines);
/// one that does not leaves Cache-Control in charge.
func fuzzTargetedCacheControl(_ text: String) {
    ParserRuns.count("cdn-cache-control")
    guard let name = HTTPField.Name("CDN-Cache-Control") else { return }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var fields = HTTPFields()
    for line in lines { fields.append(HTTPField(name: name, value: line)) }
    fields[.cacheControl] = "max-age=7"
    let (directives, targeted) = TargetedCacheControl.responseDirectives(fields, targets: [name])
    let numbers = [directives.maxAge, directives.sharedMaxAge, directives.staleWhileRevalidate, directives.staleIfError]
    for number in numbers.compactMap({ $0 }) {
        require((0...CacheDirectives.maximumDeltaSeconds).contains(number), "delta-seconds \(number) from '\(text)'")
    }
    let joined = fields[values: name].joined(separator: ", ")
    let members = TargetedCacheControl.dictionary(joined)
    require(targeted == (members.map { !$0.isEmpty } ?? false), "targeted=\(targeted) for '\(joined)'")
    if !targeted {
        require(directives.maxAge == 7, "Cache-Control ignored for an unusable CDN-Cache-Control '\(joined)'")
    }
}

/// Range against a stored body: a partial answer lies within the body, the
/// 206 carries exactly those bytes and a matching Content-Range, and a 416
/// carries none. The first line is the Range value, the second If-Range.
func fuzzRange(_ text: String) {
    ParserRuns.count("range")
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
    let range = lines.popFirst() ?? ""
    let ifRange = lines.popFirst()
    let length = range.utf8.count % 64
    let body = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
    switch ByteRanges.answer(range, length: length) {
    case .partial(let bytes):
        require(bytes.lowerBound >= 0 && bytes.upperBound < length, "range \(bytes) of \(length) bytes from '\(range)'")
    case .unsatisfiable, .full:
        break
    }
    var request = HTTPRequest(method: .get, scheme: "http", authority: "example.com", path: "/")
    request.headerFields[.range] = range
    if let ifRange { request.headerFields[.ifRange] = ifRange }
    var head = HTTPResponse(status: .ok)
    head.headerFields[.eTag] = "\"v1\""
    head.headerFields[.lastModified] = "Sun, 06 Nov 1994 08:49:37 GMT"
    let (response, sent) = ByteRanges.apply(to: request, head: head, body: body)
    switch response.status {
    case .partialContent:
        guard let contentRange = response.headerFields[.contentRange] else { require(false, "206 without Content-Range"); return }
        let expected = "bytes \(sent.first.map(Int.init) ?? -1)-\((sent.last.map(Int.init) ?? -2))/\(length)"
        require(!sent.isEmpty && contentRange == expected, "206 '\(contentRange)' with \(sent.count) bytes, expected '\(expected)'")
    case .rangeNotSatisfiable:
        require(sent.isEmpty && response.headerFields[.contentRange] == "bytes */\(length)", "416 for '\(range)'")
    default:
        require(response.status == .ok && sent == body, "status \(response.status) for '\(range)'")
    }
}
