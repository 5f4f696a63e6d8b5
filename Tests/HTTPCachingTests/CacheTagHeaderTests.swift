import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Testing

@Suite("Page tags: the Cache-Tag field (issue 18)")
struct CacheTagHeaderTests {
    @Test("tags are read from Cache-Tag and Surrogate-Key, split on spaces and commas, without repeats")
    func parsing() {
        var fields = HTTPFields()
        fields[.cacheTag] = "product:42, category:7  product:42"
        fields[.surrogateKey] = "home,category:7"
        #expect(CacheTagHeader().tags(in: fields) == ["product:42", "category:7", "home"])
        #expect(CacheTagHeader(name: .surrogateKey).tags(in: fields) == ["home", "category:7"])
        var kept = fields
        #expect(CacheTagHeader().take(from: &kept).count == 3)
        #expect(kept == fields)
        var stripped = fields
        #expect(CacheTagHeader(strip: true).take(from: &stripped).count == 3)
        #expect(stripped[.cacheTag] == nil && stripped[.surrogateKey] == nil)
    }

    @Test("set adds to the tags already declared and splits tags holding separators")
    func setting() {
        var fields = HTTPFields()
        CacheTagHeader.set(["a", "b"], in: &fields)
        CacheTagHeader.set(["b", "c d"], in: &fields)
        #expect(fields[.cacheTag] == "a b c d")
        CacheTagHeader.set([], in: &fields, name: .surrogateKey)
        #expect(fields[.surrogateKey] == nil)
    }

    @Test("settings: tagHeader and stripTagHeader are read; a bad field name names the option")
    func settings() throws {
        let settings = try HTTPCacheSettings(document: JSONParser.parse(#"{"httpCache": {"tagHeader": "Surrogate-Key", "stripTagHeader": true}}"#.utf8))
        #expect(settings.cacheTagHeader == CacheTagHeader(name: .surrogateKey, strip: true))
        #expect(HTTPCacheSettings().cacheTagHeader == CacheTagHeader())
        do {
            _ = try HTTPCacheSettings(document: JSONParser.parse(#"{"httpCache": {"tagHeader": "bad name"}}"#.utf8))
            Issue.record("a field name with a space was accepted")
        } catch let error as CacheConfigurationError {
            #expect("\(error)".contains("httpCache.tagHeader"), "\(error)")
        }
    }

    static func taggedHandler(_ tags: String) -> CountingHandler {
        var head = HTTPResponse(status: .ok)
        head.headerFields[.cacheTag] = tags
        return CountingHandler(head, body: "tagged")
    }

    @Test("django mode: a tagged page is a hit until invalidate(tags:); an untagged one stays; the field is kept by default")
    func djangoMode() async throws {
        let harness = PageCacheHarness()
        let tagged = Self.taggedHandler("product:42 products")
        let plain = CountingHandler(body: "plain")
        let other = djangoRequest(.get, "/other/")
        let first = try await harness.get(tagged)
        #expect(first.head.headerFields[.cacheTag] == "product:42 products")
        let hit = try await harness.get(tagged)
        #expect(hit.head.headerFields[PageCache.xCache] == "HIT")
        #expect(hit.head.headerFields[.cacheTag] == "product:42 products")
        _ = try await harness.get(plain, other)
        try await harness.pages.cache.invalidate(tags: ["products"])
        let after = try await harness.get(tagged)
        #expect(after.head.headerFields[PageCache.xCache] == "MISS")
        #expect(tagged.count == 2)
        #expect(try await harness.get(plain, other).head.headerFields[PageCache.xCache] == "HIT")
        #expect(plain.count == 1)
    }

    @Test("django mode with stripTagHeader: the field never leaves, misses and hits alike, and tags still work")
    func djangoStrip() async throws {
        let harness = PageCacheHarness(PageCacheConfiguration(debugHeaders: true, tagHeader: CacheTagHeader(strip: true)))
        let tagged = Self.taggedHandler("t")
        #expect(try await harness.get(tagged).head.headerFields[.cacheTag] == nil)
        let hit = try await harness.get(tagged)
        #expect(hit.head.headerFields[PageCache.xCache] == "HIT")
        #expect(hit.head.headerFields[.cacheTag] == nil)
        try await harness.pages.cache.invalidate(tags: ["t"])
        #expect(try await harness.get(tagged).head.headerFields[PageCache.xCache] == "MISS")
    }

    @Test("shared mode: a tagged response is a hit until invalidate(tags:); stripped or kept per setting", arguments: [false, true])
    func sharedMode(_ strip: Bool) async throws {
        let cache = Cache(backend: MemoryCacheBackend(location: "tags-shared-" + UUID().uuidString))
        let shared = SharedHTTPCache(
            cache: cache, configuration: SharedCacheConfiguration(cacheStatus: true, tagHeader: CacheTagHeader(strip: strip)))
        let renders = CacheLock(0)
        let origin: SharedHTTPCache.Origin = { request, _ in
            let n = renders.withLock { $0 += 1; return $0 }
            var fields: HTTPFields = [.cacheControl: "max-age=60"]
            fields[.surrogateKey] = request.path == "/tagged" ? "t" : nil
            return HTTPCacheResponse(status: .ok, headerFields: fields, body: Array("render \(n)".utf8))
        }
        func get(_ path: String) async -> HTTPCacheResponse {
            await shared.respond(
                to: HTTPRequest(method: .get, scheme: "http", authority: "example.test", path: path), origin: origin)
        }
        let first = await get("/tagged")
        #expect(first.head.headerFields[.surrogateKey] == (strip ? nil : "t"))
        let hit = await get("/tagged")
        #expect(hit.head.headerFields[HTTPField.Name("Cache-Status") ?? .via]?.contains("hit") == true)
        #expect(hit.head.headerFields[.surrogateKey] == (strip ? nil : "t"))
        _ = await get("/plain")
        try await cache.invalidate(tags: ["t"])
        let after = await get("/tagged")
        #expect(after.head.headerFields[HTTPField.Name("Cache-Status") ?? .via]?.contains("hit") == false)
        #expect(await get("/plain").head.headerFields[HTTPField.Name("Cache-Status") ?? .via]?.contains("hit") == true)
        #expect(renders.withLock { $0 } == 3)
    }
}
