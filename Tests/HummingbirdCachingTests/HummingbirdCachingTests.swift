import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// Counts handler runs per route.
final class Counter: Sendable {
    private let value = CacheLock(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

func memoryCache() -> Cache {
    Cache(backend: MemoryCacheBackend(location: "hummingbird-tests-" + UUID().uuidString, configuration: .init(maxEntries: 1000)))
}

extension HTTPField.Name {
    static let xCache = PageCache.xCache
    static let xCacheKey = PageCache.xCacheKey
}

@Suite("Hummingbird adapter")
struct HummingbirdCachingTests {
    @Test("site-wide middleware: a miss then hits, with X-Cache in debug mode; POST is never cached")
    func siteWide() async throws {
        let counter = Counter()
        let router = Router()
        router.add(middleware: ResponseCacheMiddleware(cache: memoryCache(), configuration: .init(debugHeaders: true)))
        router.get("/page") { _, _ in "page \(counter.next())" }
        router.post("/page") { _, _ in "posted \(counter.next())" }
        try await Application(router: router).test(.router) { client in
            let first = try await client.execute(uri: "/page", method: .get)
            #expect(String(buffer: first.body) == "page 1")
            #expect(first.headers[.xCache] == "MISS")
            #expect(first.headers[.cacheControl] == "max-age=600")
            let second = try await client.execute(uri: "/page", method: .get)
            #expect(String(buffer: second.body) == "page 1")
            #expect(second.headers[.xCache] == "HIT")
            let head = try await client.execute(uri: "/page", method: .head)
            #expect(head.status == .ok)
            _ = try await client.execute(uri: "/page", method: .post)
            _ = try await client.execute(uri: "/page", method: .post)
            #expect(counter.count == 3)
        }
    }

    @Test("per-route cachePage with its own timeout and prefix; never-cache and private routes are not stored")
    func routeHelpers() async throws {
        let cached = Counter(), never = Counter(), personal = Counter()
        let cache = memoryCache()
        let router = Router()
        router.get("/cached", use: RouteCaching.cachePage(30, cache: cache, keyPrefix: "route") { _, _ in "cached \(cached.next())" })
        router.get("/never", use: RouteCaching.neverCache(RouteCaching.cachePage(30, cache: cache) { _, _ in "never \(never.next())" }))
        router.get("/private", use: RouteCaching.cachePage(30, cache: cache, RouteCaching.cacheControl([.private]) { _, _ in "mine \(personal.next())" }))
        try await Application(router: router).test(.router) { client in
            let first = try await client.execute(uri: "/cached", method: .get)
            #expect(first.headers[.cacheControl] == "max-age=30")
            _ = try await client.execute(uri: "/cached", method: .get)
            #expect(cached.count == 1)
            let neverResponse = try await client.execute(uri: "/never", method: .get)
            #expect(neverResponse.headers[.cacheControl] == "max-age=0, no-cache, no-store, must-revalidate, private")
            _ = try await client.execute(uri: "/private", method: .get)
            _ = try await client.execute(uri: "/private", method: .get)
            #expect(personal.count == 2)
        }
    }

    @Test("vary-on helpers and Vary-separated cache entries")
    func vary() async throws {
        let counter = Counter()
        let router = Router()
        router.add(middleware: ResponseCacheMiddleware(cache: memoryCache()))
        router.get("/hello", use: RouteCaching.varyOnHeaders(["Accept-Language"]) { request, _ in
            "\(request.headers[.acceptLanguage] ?? "none") \(counter.next())"
        })
        router.get("/cookie", use: RouteCaching.varyOnCookie { _, _ in "c" })
        try await Application(router: router).test(.router) { client in
            let en = try await client.execute(uri: "/hello", method: .get, headers: [.acceptLanguage: "en"])
            #expect(en.headers[.vary] == "Accept-Language")
            let fr = try await client.execute(uri: "/hello", method: .get, headers: [.acceptLanguage: "fr"])
            #expect(String(buffer: fr.body) == "fr 2")
            let enAgain = try await client.execute(uri: "/hello", method: .get, headers: [.acceptLanguage: "en"])
            #expect(String(buffer: enAgain.body) == "en 1")
            let cookie = try await client.execute(uri: "/cookie", method: .get)
            #expect(cookie.headers[.vary] == "Cookie")
        }
    }

    @Test("conditional GET middleware: ETag from the body, 304 on a match, 412 on If-Match, no-store untouched")
    func conditionalGet() async throws {
        let router = Router()
        router.add(middleware: ConditionalGetMiddleware())
        router.get("/hello") { _, _ in
            Response(status: .ok, headers: [.cacheControl: "max-age=10", .vary: "Cookie"], body: .init(byteBuffer: ByteBuffer(string: "hello")))
        }
        router.get("/secret") { _, _ in
            Response(status: .ok, headers: [.cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: "hello")))
        }
        try await Application(router: router).test(.router) { client in
            let plain = try await client.execute(uri: "/hello", method: .get)
            #expect(plain.headers[.eTag] == "\"5d41402abc4b2a76b9719d911017c592\"")
            for tag in ["\"5d41402abc4b2a76b9719d911017c592\"", "W/\"5d41402abc4b2a76b9719d911017c592\"", "*"] {
                let notModified = try await client.execute(uri: "/hello", method: .get, headers: [.ifNoneMatch: tag])
                #expect(notModified.status == .notModified)
                #expect(notModified.headers[.cacheControl] == "max-age=10")
                #expect(notModified.body.readableBytes == 0)
            }
            let failed = try await client.execute(uri: "/hello", method: .get, headers: [.ifMatch: "\"zzz\""])
            #expect(failed.status == .preconditionFailed)
            let secret = try await client.execute(uri: "/secret", method: .get, headers: [.ifNoneMatch: "*"])
            #expect(secret.status == .ok)
            #expect(secret.headers[.eTag] == nil)
            let head = try await client.execute(uri: "/hello", method: .head)
            #expect(head.headers[.eTag] == nil)
        }
    }

    @Test("condition helper: the handler is skipped on 304 and 412; GET responses get both validators")
    func condition() async throws {
        let counter = Counter()
        let modified = Date(timeIntervalSince1970: 1_468_749_600)
        let router = Router()
        let handler = RouteCaching.condition(
            etag: { _, _ in "abc" }, lastModified: { _, _ in modified }
        ) { (_: Request, _: BasicRequestContext) in "body \(counter.next())" }
        router.get("/resource", use: handler)
        router.put("/resource", use: handler)
        try await Application(router: router).test(.router) { client in
            let plain = try await client.execute(uri: "/resource", method: .get)
            #expect(plain.headers[.eTag] == "\"abc\"")
            #expect(plain.headers[.lastModified] == "Sun, 17 Jul 2016 10:00:00 GMT")
            let notModified = try await client.execute(uri: "/resource", method: .get, headers: [.ifNoneMatch: "W/\"abc\""])
            #expect(notModified.status == .notModified)
            #expect(notModified.headers[.eTag] == "\"abc\"")
            let sinceEqual = try await client.execute(uri: "/resource", method: .get, headers: [.ifModifiedSince: "Sun, 17 Jul 2016 10:00:00 GMT"])
            #expect(sinceEqual.status == .notModified)
            let putMatch = try await client.execute(uri: "/resource", method: .put, headers: [.ifNoneMatch: "\"abc\""])
            #expect(putMatch.status == .preconditionFailed)
            #expect(putMatch.headers[.eTag] == nil)
            let putIfMatch = try await client.execute(uri: "/resource", method: .put, headers: [.ifMatch: "\"abc\""])
            #expect(putIfMatch.status == .ok)
            #expect(counter.count == 2)
        }
    }

    @Test("streaming and over-size bodies are passed through and never stored")
    func streaming() async throws {
        let counter = Counter()
        let router = Router()
        router.add(middleware: ResponseCacheMiddleware(cache: memoryCache(), maxBodyBytes: 16))
        router.get("/stream") { _, _ in
            _ = counter.next()
            let chunks = AsyncStream<ByteBuffer> { continuation in
                continuation.yield(ByteBuffer(string: "one "))
                continuation.yield(ByteBuffer(string: "two"))
                continuation.finish()
            }
            return Response(status: .ok, body: .init(asyncSequence: chunks))
        }
        router.get("/big") { _, _ in
            _ = counter.next()
            return String(repeating: "x", count: 100)
        }
        try await Application(router: router).test(.router) { client in
            #expect(String(buffer: try await client.execute(uri: "/stream", method: .get).body) == "one two")
            _ = try await client.execute(uri: "/stream", method: .get)
            #expect(try await client.execute(uri: "/big", method: .get).body.readableBytes == 100)
            _ = try await client.execute(uri: "/big", method: .get)
            #expect(counter.count == 4)
        }
    }

    @Test("a failing backend never fails the request")
    func failingBackend() async throws {
        let router = Router()
        router.add(middleware: ResponseCacheMiddleware(cache: Cache(backend: DownBackend())))
        router.get("/page") { _, _ in "still served" }
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/page", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "still served")
        }
    }

    @Test("stampede: concurrent requests for one uncached page run the handler once")
    func stampede() async throws {
        try await Self.expectOneRunForConcurrentMisses { router in
            router.add(middleware: ResponseCacheMiddleware(cache: memoryCache()))
        }
    }

    /// Ten concurrent GETs of one slow, uncached page behind the middleware
    /// `place` adds: the handler runs once and every request gets its page.
    static func expectOneRunForConcurrentMisses(_ place: (Router<BasicRequestContext>) -> Void) async throws {
        let counter = Counter()
        let router = Router()
        place(router)
        router.get("/slow") { _, _ in
            let n = counter.next()
            try await Task.sleep(for: .milliseconds(300))
            return "slow \(n)"
        }
        try await Application(router: router).test(.live) { client in
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<10 {
                    group.addTask { String(buffer: try await client.execute(uri: "/slow", method: .get).body) }
                }
                var bodies: [String] = []
                for try await body in group { bodies.append(body) }
                return bodies
            }
            #expect(bodies.allSatisfy { $0 == "slow 1" })
            #expect(counter.count == 1)
        }
    }
}

/// A backend that is down.
struct DownBackend: CacheBackend {
    var name: String { "down" }
    struct Down: Error {}
    func get(_ key: String) async throws -> CacheValue? { throw Down() }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws { throw Down() }
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { throw Down() }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { throw Down() }
    func delete(_ key: String) async throws -> Bool { throw Down() }
    func hasKey(_ key: String) async throws -> Bool { throw Down() }
    func increment(_ key: String, by delta: Int) async throws -> Int { throw Down() }
    func clear() async throws { throw Down() }
}
