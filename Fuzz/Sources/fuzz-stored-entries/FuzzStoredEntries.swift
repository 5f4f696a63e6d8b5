// libFuzzer target for stored entries, the bytes a cache reads back from disk,
// a database or a server shared with other programs: file-backend files ('0'),
// coded values ('1'), stored pages read by the page cache ('2'), stored
// responses read by the shared cache ('3'), and SQL row values ('4').
import Foundation
import FuzzSupport
import HTTPTypes
import Logging
@testable import Caching
@testable import HTTPCaching
@testable import SQLiteCaching
import SQLiteNIO
import NIOCore

/// The process entry point: SwiftPM links `main` to this; it runs libFuzzer.
@_cdecl("fuzz_stored_entries_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTestOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    switch input.selector(5) {
    case 0?: fuzzFileEntry(Array(input.payload))
    case 1?: fuzzCodedValue(Array(input.payload))
    case 2?: fuzzStoredPage(Array(input.payload))
    case 3?: fuzzStoredResponse(Array(input.payload))
    case 4?: fuzzSQLValue(Array(input.payload))
    default: break
    }
    return 0
}

/// A file that parses is exactly what serialising its entry writes; an entry
/// built from the bytes round-trips too.
func fuzzFileEntry(_ bytes: [UInt8]) {
    ParserRuns.count("file-entry")
    if let entry = FileCacheEntry(parsing: bytes) {
        require(entry.serialized() == bytes, "a parsed file entry does not serialise to its bytes")
    }
    guard bytes.count >= 8 else { return }
    var bits: UInt64 = 0
    for (index, byte) in bytes.prefix(8).enumerated() { bits |= UInt64(byte) << (8 * index) }
    let built = FileCacheEntry(expiry: Double(bitPattern: bits), value: Array(bytes.dropFirst(8)))
    let reparsed = FileCacheEntry(parsing: built.serialized())
    require(
        reparsed?.value == built.value && reparsed?.expiry.bitPattern == built.expiry.bitPattern,
        "a serialised file entry does not parse back")
}

/// The default coder: any bytes decode to a value or throw its typed error, and
/// a decoded value encodes and decodes to itself.
func fuzzCodedValue(_ bytes: [UInt8]) {
    ParserRuns.count("coded-value")
    let coder = DefaultCacheValueCoder()
    roundTrip(String.self, bytes, coder)
    roundTrip(Int.self, bytes, coder)
    roundTrip([UInt8].self, bytes, coder)
    roundTrip(Data.self, bytes, coder)
    roundTrip(JSONValue.self, bytes, coder)
    roundTrip([String].self, bytes, coder)
    roundTrip([String: Int].self, bytes, coder)
    let integer = CacheValue.bytes(bytes).integerValue
    require(integer == DecimalInteger.parse(bytes), "integerValue disagrees with DecimalInteger")
    if let integer {
        require(DecimalInteger.parse(DecimalInteger.bytes(integer)) == integer, "integer \(integer) does not round-trip")
    }
}

func roundTrip<Value: Codable & Sendable & Equatable>(_ type: Value.Type, _ bytes: [UInt8], _ coder: DefaultCacheValueCoder) {
    let decoded: Value
    do {
        decoded = try coder.decode(type, from: bytes)
    } catch is CacheValueCoderError {
        return
    } catch {
        require(false, "decoding \(type) threw an untyped error: \(error)")
        return
    }
    let again = try? coder.decode(type, from: coder.encode(decoded))
    require(again == decoded, "\(type) value \(decoded) does not round-trip")
}

/// A backend whose every key holds the same bytes: what a corrupted or hostile
/// store would hand back. The page cache's header-list key gets an empty list.
struct FixedBytesBackend: CacheBackend {
    let bytes: [UInt8]
    var name: String { "fixed" }

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
}

let fixedClock = CacheClock { 1_700_000_000 }

/// Logs nothing: a corrupt entry is logged on every execution otherwise.
let silent = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

/// A cache over the fixed bytes, logging nothing.
func fixedCache(_ bytes: [UInt8]) -> Cache {
    Cache(backend: FixedBytesBackend(bytes: bytes), logger: silent)
}

/// A stored page read by Django's fetch step: a hit or a miss, never a crash.
func fuzzStoredPage(_ bytes: [UInt8]) {
    ParserRuns.count("stored-page")
    let pageCache = PageCache(cache: fixedCache(bytes), clock: fixedClock, logger: silent)
    let request = HTTPRequest(method: .get, scheme: "http", authority: "example.com", path: "/page")
    let status = runBlocking { await pageCache.lookup(request)?.head.status.code }
    if let status { require((0...999).contains(status), "a stored page answered status \(status)") }
}

/// Stored responses read by the shared cache: served, revalidated or
/// refetched, never a crash. The first byte picks the request's
/// `Cache-Control` and whether the origin answers 200, 304 or 500, so that
/// every way to a stored response (fresh, stale allowed, stale-if-error,
/// freshened by a 304) is reached.
func fuzzStoredResponse(_ bytes: [UInt8]) {
    ParserRuns.count("stored-response")
    guard let choice = bytes.first.map(Int.init) else { return }
    let requestDirectives = ["", "max-stale", "max-stale=5, min-fresh=1", "only-if-cached", "no-cache"]
    let originStatuses: [HTTPResponse.Status] = [.ok, .notModified, .internalServerError]
    let shared = SharedHTTPCache(cache: fixedCache(Array(bytes.dropFirst())), clock: fixedClock, logger: silent)
    var request = HTTPRequest(method: .get, scheme: "http", authority: "example.com", path: "/shared")
    request.headerFields[.accept] = "text/html"
    let directives = requestDirectives[choice % requestDirectives.count]
    if !directives.isEmpty { request.headerFields[.cacheControl] = directives }
    let originStatus = originStatuses[choice / requestDirectives.count % originStatuses.count]
    let sent = request
    let status = runBlocking {
        await shared.respond(to: sent) { _, _ in
            HTTPCacheResponse(status: originStatus, headerFields: [.cacheControl: "max-age=60"], body: Array("origin".utf8))
        }.head.status.code
    }
    require((0...999).contains(status), "the shared cache answered status \(status)")
}

/// SQL row values: a BLOB or TEXT cell counts as an integer exactly when its
/// bytes are one, as the increment function reads it.
func fuzzSQLValue(_ bytes: [UInt8]) {
    ParserRuns.count("sql-value")
    let blob = SQLiteIncrementFunction.integer(.blob(ByteBuffer(bytes: bytes)))
    require(blob == DecimalInteger.parse(bytes), "a BLOB cell's integer disagrees with DecimalInteger")
    let text = String(decoding: bytes, as: UTF8.self)
    let textValue = SQLiteIncrementFunction.integer(.text(text))
    require(textValue == DecimalInteger.parse(text.utf8), "a TEXT cell's integer disagrees with DecimalInteger")
}
