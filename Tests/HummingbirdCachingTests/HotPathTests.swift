import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdCore
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTPTypes
import Testing

/// Counts the requests that reach the app's responder: the full path. A hit
/// answered at the connection never does.
struct CountingResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context: RequestContext {
    typealias Context = Inner.Context
    let inner: Inner
    let reached: Counter

    func respond(to request: Request, context: Context) async throws -> Response {
        _ = reached.next()
        return try await inner.respond(to: request, context: context)
    }
}

/// A 2 KB page, as in the benchmarks.
let hotPage = "<!doctype html><p>" + String(repeating: "swift-caching ", count: 144) + "</p>\n"

/// Renders of `/tagged`, so a test can tell a stored copy from a new render.
let taggedRenders = Counter()

/// The tag of `/tagged`: one per mode. A tag's generation is process-wide
/// (`CacheTagGeneration`), so the two modes' tests, which run in parallel,
/// would otherwise invalidate each other's pages (seen in CI).
func hotPathTag(shared: Bool) -> String { shared ? "hot-path-tag-shared" : "hot-path-tag-django" }

/// The test app's routes; `shared`: the origin gives explicit freshness and an ETag.
/// `pages`: the page cache's cache, for `POST /invalidate` (`invalidate(tags: [hotPathTag(shared:)])`).
func hotPathRouter(shared: Bool, pages: Cache? = nil) -> Router<BasicRequestContext> {
    let router = Router()
    let tag = hotPathTag(shared: shared)
    router.get("/tagged") { _, _ in
        var fields: HTTPFields = [.cacheControl: "max-age=60"]
        CacheTagHeader.set([tag], in: &fields)
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: "render \(taggedRenders.next())")))
    }
    if let pages {
        router.post("/invalidate") { request, _ in
            _ = try await request.body.collect(upTo: 1024)
            try await pages.invalidate(tags: [tag])
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "invalidated")))
        }
    }
    let fresh: HTTPFields = shared ? [.cacheControl: "max-age=60", .eTag: "\"page-v1\""] : [:]
    router.get("/page") { _, _ in
        var fields = fresh
        fields[.contentType] = "text/html"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: hotPage)))
    }
    router.get("/modified") { _, _ in
        var fields = fresh
        fields[.lastModified] = "Mon, 02 Nov 2026 10:00:00 GMT"
        fields[.eTag] = nil
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: "modified")))
    }
    router.get("/vary") { request, _ in
        var fields = fresh
        fields[.vary] = "Accept-Language"
        fields[.eTag] = nil
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: "lang=\(request.headers[.acceptLanguage] ?? "-")")))
    }
    router.get("/slow") { _, _ in
        // Never stored; slow enough that pipelined requests queue behind it.
        try await Task.sleep(for: .milliseconds(50))
        return Response(status: .ok, headers: [.cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: "slow")))
    }
    router.post("/page") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "posted"))) }
    return router
}

/// Two servers on one ``CachingResponder`` (one page cache, one hot tier):
/// `fast` answers hits at the connection, `full` sends every request through
/// Hummingbird. `reached` counts the requests that reached the responder.
/// Hot entries live a minute here (the default, one second, would send a
/// request of a slow test the full way now and then to refill the tier).
func withHotPathServers(
    _ settings: HTTPCacheSettings, shared: Bool = false,
    _ body: @Sendable (_ fast: Int, _ full: Int, _ reached: Counter) async throws -> Void
) async throws {
    var settings = settings
    settings.hotStoreStaleness = 60
    var logger = Logger(label: "hot-path-tests")
    logger.logLevel = .critical
    let caches = try Caches(settings: CacheSettings(caches: ["default": CacheConfiguration(
        backend: "memory", location: "hot-path-" + UUID().uuidString)]))
    let caching = try CachingResponder(
        hotPathRouter(shared: shared, pages: caches.default).buildResponder(), settings: settings, caches: caches)
    let reached = Counter()
    let responder = CountingResponder(inner: caching, reached: reached)
    try await withThrowingTaskGroup(of: Void.self) { group in
        var ports: [Int] = []
        for hot in [true, false] {
            let (stream, port) = AsyncStream.makeStream(of: Int.self)
            let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "hot-test")
            let running: @Sendable (any Channel) async -> Void = { channel in port.yield(channel.localAddress?.port ?? 0) }
            let app = hot
                ? Application(
                    responder: responder, server: .http1(servingHitsFrom: caching, serverName: "hot-test"),
                    configuration: configuration, onServerRunning: running, logger: logger)
                : Application(responder: responder, configuration: configuration, onServerRunning: running, logger: logger)
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = stream.makeAsyncIterator()
            ports.append(await iterator.next() ?? 0)
        }
        try await body(ports[0], ports[1], reached)
        group.cancelAll()
    }
}

/// A response with the fields that change from second to second (`Date`,
/// `Age`, `Cache-Status`'s `ttl`) blanked, for comparing two answers.
func comparable(_ response: RawResponse) -> RawResponse {
    var response = response
    response.fields = response.fields.compactMap { field in
        switch field.name {
        case "date", "age": return (field.name, "*")
        case "cache-status": return (field.name, field.value.replacingOccurrences(of: #"ttl=-?\d+"#, with: "ttl=*", options: .regularExpression))
        default: return field
        }
    }
    return response
}

/// One request on a new connection.
func rawRequest(_ port: Int, _ method: String, _ target: String, _ fields: [String] = []) async throws -> RawResponse {
    let exchange = try await RawHTTPConnection.exchange(port: port, .request(method, target, fields), methods: [method])
    return try #require(exchange.responses.first)
}

@Suite("Hits served at the connection", .timeLimit(.minutes(2)))
struct HotPathTests {
    /// Requests whose answers are hits in both modes once the pages are stored.
    static let table: [(method: String, target: String, fields: [String])] = [
        ("GET", "/page", []),
        ("HEAD", "/page", []),
        ("GET", "/page", ["Connection: keep-alive"]),
        ("GET", "/modified", []),
        ("GET", "/modified", ["If-Modified-Since: Tue, 03 Nov 2026 10:00:00 GMT"]),
        ("GET", "/modified", ["If-Modified-Since: Sun, 01 Nov 2026 10:00:00 GMT"]),
        ("GET", "/vary", ["Accept-Language: en"]),
        ("GET", "/vary", ["Accept-Language: fr"]),
        ("GET", "/vary", []),
    ]

    /// Conditional requests on /page, given its ETag.
    static func conditionals(_ etag: String) -> [(method: String, target: String, fields: [String])] {
        [
            ("GET", "/page", ["If-None-Match: \(etag)"]),
            ("GET", "/page", ["If-None-Match: W/\(etag)"]),
            ("GET", "/page", ["If-None-Match: \"other\""]),
            ("GET", "/page", ["If-None-Match: *"]),
            ("HEAD", "/page", ["If-None-Match: \(etag)"]),
        ]
    }

    /// Django-mode preconditions that fail (412).
    static func failing(_ etag: String) -> [(method: String, target: String, fields: [String])] {
        [
            ("GET", "/page", ["If-Match: \"other\""]),
            ("GET", "/page", ["If-Match: \(etag)"]),
            ("GET", "/page", ["If-Unmodified-Since: Sun, 01 Nov 2026 10:00:00 GMT"]),
            ("GET", "/modified", ["If-Unmodified-Since: Sun, 01 Nov 2026 10:00:00 GMT"]),
        ]
    }

    /// Stores every page of the table through the full server.
    static func warm(_ full: Int) async throws {
        for (method, target, fields) in table where method == "GET" {
            _ = try await rawRequest(full, method, target, fields)
        }
    }

    /// Sends each request to both servers and expects equal answers, the fast
    /// one without reaching the responder.
    static func expectEqualAnswers(
        _ requests: [(method: String, target: String, fields: [String])], fast: Int, full: Int, reached: Counter
    ) async throws {
        for (method, target, fields) in requests {
            let before = reached.count
            let hot = try await rawRequest(fast, method, target, fields)
            #expect(reached.count == before, "\(method) \(target) \(fields) reached the responder")
            let slow = try await rawRequest(full, method, target, fields)
            #expect(comparable(hot) == comparable(slow), "\(method) \(target) \(fields): \(hot.fields) vs \(slow.fields)")
            #expect(hot.field("date") != nil)
        }
    }

    @Test("django mode: hits, HEAD, 304, 412 and Vary variants equal the full path's answers, without reaching the router")
    func djangoEquality() async throws {
        try await withHotPathServers(HTTPCacheSettings(debugHeaders: true)) { fast, full, reached in
            try await Self.warm(full)
            let hit = try await rawRequest(fast, "GET", "/page")
            #expect(hit.field("x-cache") == "HIT")
            #expect(hit.text == hotPage)
            #expect(hit.field("server") == "hot-test")
            let etag = try #require(hit.field("etag"))
            try await Self.expectEqualAnswers(Self.table + Self.conditionals(etag) + Self.failing(etag), fast: fast, full: full, reached: reached)
            let notModified = try await rawRequest(fast, "GET", "/page", ["If-None-Match: \(etag)"])
            #expect(notModified.status == 304)
            let failed = try await rawRequest(fast, "GET", "/page", ["If-Match: \"other\""])
            #expect(failed.status == 412)
            let head = try await rawRequest(fast, "HEAD", "/page")
            #expect(head.field("content-length") == String(hotPage.utf8.count))
            #expect(head.body.isEmpty)
        }
    }

    @Test("both modes: invalidate(tags:) drops a tagged page from the hot tier at once, though its copies live a minute",
          arguments: [HTTPCacheSettings.Mode.django, .shared])
    func tagInvalidation(_ mode: HTTPCacheSettings.Mode) async throws {
        try await withHotPathServers(HTTPCacheSettings(mode: mode, debugHeaders: true), shared: mode == .shared) { fast, full, reached in
            let first = try await rawRequest(full, "GET", "/tagged")
            #expect(first.field("cache-tag") == hotPathTag(shared: mode == .shared))
            let held = try #require(try await Self.heldAnswer(fast, "/tagged", reached), "the tagged page never reached the hot tier")
            #expect(try await rawRequest(fast, "GET", "/tagged").text == held.text)
            #expect(try await rawRequest(full, "POST", "/invalidate").text == "invalidated")
            let afterInvalidation = reached.count
            let fresh = try await rawRequest(fast, "GET", "/tagged")
            #expect(reached.count == afterInvalidation + 1, "the invalidated page was answered from the hot tier")
            #expect(fresh.text != held.text)
            // The new render is stored and served at the connection again.
            let again = try #require(try await Self.heldAnswer(fast, "/tagged", reached), "the new render never reached the hot tier")
            #expect(again.text != held.text)
        }
    }

    /// Requests `path` from `fast` until an answer comes from the hot tier
    /// (the request did not reach the responder), at most ten times; `nil` if
    /// none did. Any tag invalidation in the process (other tests run in
    /// parallel in it) between a render and its store rightly leaves no copy,
    /// so the first render need not be the one held.
    static func heldAnswer(_ fast: Int, _ path: String, _ reached: Counter) async throws -> RawResponse? {
        for _ in 0..<10 {
            let before = reached.count
            let answer = try await rawRequest(fast, "GET", path)
            if reached.count == before { return answer }
        }
        return nil
    }

    @Test("both modes: one connection answering hit after hit (its last answer reused) answers each as the full path does; a second later Date and Age move on",
          arguments: [HTTPCacheSettings.Mode.django, .shared])
    func connectionReuse(_ mode: HTTPCacheSettings.Mode) async throws {
        let shared = mode == .shared
        try await withHotPathServers(HTTPCacheSettings(mode: mode, debugHeaders: true), shared: shared) { fast, full, reached in
            try await Self.warm(full)
            let etag = try #require(try await rawRequest(fast, "GET", "/page").field("etag"))
            // Each request twice in a row, so the second is a reuse, then the next one differs.
            let requests = (Self.table + Self.conditionals(etag)).flatMap { [$0, $0] }
            let before = reached.count
            let answers = try await RawHTTPConnection.turns(
                port: fast, requests.map { .request($0.method, $0.target, $0.fields) }, pause: .zero)
            #expect(reached.count == before)
            #expect(answers.responses.count == requests.count)
            for (request, answer) in zip(requests, answers.responses) {
                let slow = try await rawRequest(full, request.method, request.target, request.fields)
                #expect(comparable(answer) == comparable(slow), "\(request): \(answer.fields) vs \(slow.fields)")
            }
            let seconds = try await RawHTTPConnection.turns(
                port: fast, [.request("GET", "/page"), .request("GET", "/page")], pause: .milliseconds(1_100))
            let (first, second) = (seconds.responses[0], seconds.responses[1])
            #expect(first.text == hotPage && second.text == hotPage)
            #expect(first.field("date") != second.field("date"))
            if shared {
                let ages = [first, second].compactMap { $0.field("age").flatMap(Int.init) }
                #expect(ages.count == 2 && ages[1] > ages[0], "Age \(ages)")
            }
        }
    }

    @Test("django mode with conditionalGet off: If-None-Match is not answered 304, as on the full path")
    func djangoWithoutConditionalGet() async throws {
        try await withHotPathServers(HTTPCacheSettings(debugHeaders: true, conditionalGet: false)) { fast, full, reached in
            try await Self.warm(full)
            try await Self.expectEqualAnswers(Self.table + [("GET", "/page", ["If-None-Match: *"])], fast: fast, full: full, reached: reached)
            #expect(try await rawRequest(fast, "GET", "/page", ["If-None-Match: *"]).status == 200)
        }
    }

    @Test("shared mode: fresh hits, HEAD, 304 and Vary variants equal the full path's answers, without reaching the router")
    func sharedEquality() async throws {
        try await withHotPathServers(HTTPCacheSettings(mode: .shared, debugHeaders: true), shared: true) { fast, full, reached in
            try await Self.warm(full)
            let hit = try await rawRequest(fast, "GET", "/page")
            #expect(hit.field("cache-status")?.contains("hit") == true)
            try await Self.expectEqualAnswers(Self.table + Self.conditionals("\"page-v1\""), fast: fast, full: full, reached: reached)
            #expect(try await rawRequest(fast, "GET", "/page", ["If-None-Match: \"page-v1\""]).status == 304)
        }
    }

    @Test("what passes through: misses, other methods, bodies, Expect, unknown Connection values; shared mode: request directives, Authorization, Range")
    func passThrough() async throws {
        for mode in [HTTPCacheSettings.Mode.django, .shared] {
            try await withHotPathServers(HTTPCacheSettings(mode: mode), shared: mode == .shared) { fast, full, reached in
                try await Self.warm(full)
                var passing: [(String, String, [String])] = [
                    ("GET", "/page?miss=1", []),
                    ("POST", "/page", ["Content-Length: 0"]),
                    ("GET", "/page", ["Content-Length: 3"]),
                    ("GET", "/page", ["Connection: te"]),
                    ("GET", "/page", ["Expect: 100-continue"]),
                ]
                if mode == .shared {
                    passing += [
                        ("GET", "/page", ["Cache-Control: no-cache"]),
                        ("GET", "/page", ["Cache-Control: max-age=0"]),
                        ("GET", "/page", ["Authorization: Basic dTpw"]),
                        ("GET", "/page", ["Range: bytes=0-9"]),
                        ("GET", "/page", ["If-Match: \"page-v1\""]),
                    ]
                }
                for (method, target, fields) in passing {
                    let before = reached.count
                    var text = String.request(method, target, fields)
                    if fields.contains("Content-Length: 3") { text += "abc" }
                    _ = try await RawHTTPConnection.exchange(port: fast, text, methods: [method])
                    #expect(reached.count == before + 1, "\(mode) \(method) \(target) \(fields) did not pass through")
                }
            }
        }
    }

    @Test("pipelined requests are answered in order: hits behind an in-flight request wait their turn; hits alone are all answered here")
    func pipelining() async throws {
        try await withHotPathServers(HTTPCacheSettings()) { fast, full, reached in
            try await Self.warm(full)
            var before = reached.count
            let queued = try await RawHTTPConnection.exchange(
                port: fast, .request("GET", "/slow") + .request("GET", "/page") + .request("GET", "/vary", ["Accept-Language: fr"]),
                methods: ["GET", "GET", "GET"])
            #expect(queued.responses.map(\.text) == ["slow", hotPage, "lang=fr"])
            #expect(reached.count == before + 3)

            before = reached.count
            let hits = try await RawHTTPConnection.exchange(
                port: fast, .request("GET", "/vary", ["Accept-Language: en"]) + .request("HEAD", "/page") + .request("GET", "/page")
                    + .request("GET", "/modified"),
                methods: ["GET", "HEAD", "GET", "GET"])
            #expect(hits.responses.map(\.text) == ["lang=en", "", hotPage, "modified"])
            #expect(hits.responses[1].field("content-length") == String(hotPage.utf8.count))
            #expect(reached.count == before)

            // A hit, then a miss, then a hit: the last waits for the miss.
            before = reached.count
            let mixed = try await RawHTTPConnection.exchange(
                port: fast, .request("GET", "/page") + .request("GET", "/slow") + .request("GET", "/modified"),
                methods: ["GET", "GET", "GET"])
            #expect(mixed.responses.map(\.text) == [hotPage, "slow", "modified"])
            #expect(reached.count == before + 2)
        }
    }

    @Test("keep-alive serves many hits on one connection; Connection: close closes it after the answer, and nothing after is answered")
    func keepAliveAndClose() async throws {
        try await withHotPathServers(HTTPCacheSettings()) { fast, full, reached in
            try await Self.warm(full)
            let before = reached.count
            let kept = try await RawHTTPConnection.exchange(
                port: fast, String(repeating: .request("GET", "/page"), count: 20), methods: Array(repeating: "GET", count: 20))
            #expect(kept.responses.count == 20)
            #expect(kept.responses.allSatisfy { $0.text == hotPage })
            #expect(!kept.closed)

            let closed = try await RawHTTPConnection.exchange(
                port: fast, .request("GET", "/page", ["Connection: close"]) + .request("GET", "/modified"),
                methods: ["GET", "GET"], untilClose: true)
            #expect(closed.closed)
            #expect(closed.responses.map(\.text) == [hotPage])
            #expect(reached.count == before)

            // The full path closes the same way.
            let fullClosed = try await RawHTTPConnection.exchange(
                port: full, .request("GET", "/page", ["Connection: close"]) + .request("GET", "/modified"),
                methods: ["GET", "GET"], untilClose: true)
            #expect(fullClosed.closed)
            #expect(fullClosed.responses.map(\.text) == [hotPage])
        }
    }

    @Test("bad input: malformed, huge and split request heads never crash the handler or reach another connection, and fall through")
    func badInput() async throws {
        try await withHotPathServers(HTTPCacheSettings()) { fast, full, reached in
            try await Self.warm(full)
            let request = Array(String.request("GET", "/page").utf8)
            let garbage: [[UInt8]] = [
                Array("GARBAGE\r\n\r\n".utf8),
                Array("GET /page HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n".utf8),
                Array(String.request("GET", "/page?" + String(repeating: "u", count: 10_240)).utf8),
                Array(String.request("GET", "/page", (0..<1_000).map { "X-Field-\($0): \($0)" }).utf8),
                request + Array("\u{0}\u{1}\r\n\r\n".utf8),
            ]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for input in garbage {
                    group.addTask {
                        // The first answer, or the server closing the connection.
                        let exchange = try await RawHTTPConnection.exchange(port: fast, chunks: [input], methods: ["GET"])
                        // Whatever the server answered, it answered this connection only.
                        #expect(exchange.responses.allSatisfy { $0.text == hotPage || $0.status >= 400 || $0.text.isEmpty })
                    }
                }
                // Meanwhile, another connection's hits are its own.
                group.addTask {
                    for _ in 0..<10 {
                        let exchange = try await RawHTTPConnection.exchange(
                            port: fast, .request("GET", "/vary", ["Accept-Language: en"]) + .request("GET", "/modified"), methods: ["GET", "GET"])
                        #expect(exchange.responses.map(\.text) == ["lang=en", "modified"])
                    }
                }
                try await group.waitForAll()
            }
            // A head split across reads, byte groups written one by one, is still a hit.
            let before = reached.count
            let chunks = stride(from: 0, to: request.count, by: 7).map { Array(request[$0..<min($0 + 7, request.count)]) }
            let split = try await RawHTTPConnection.exchange(port: fast, chunks: chunks, methods: ["GET"])
            #expect(split.responses.first?.text == hotPage)
            #expect(reached.count == before)
            // The server still serves.
            #expect(try await rawRequest(fast, "GET", "/page").text == hotPage)
        }
    }

    @Test("HummingbirdTesting (live): a miss is stored, then hits answer from the hot tier without reaching the responder")
    func hummingbirdTesting() async throws {
        let caches = try Caches(settings: CacheSettings(caches: ["default": CacheConfiguration(
            backend: "memory", location: "hot-live-" + UUID().uuidString)]))
        let caching = try CachingResponder(hotPathRouter(shared: false).buildResponder(), settings: HTTPCacheSettings(debugHeaders: true, hotStoreStaleness: 60), caches: caches)
        let reached = Counter()
        let app = Application(
            responder: CountingResponder(inner: caching, reached: reached), server: .http1(servingHitsFrom: caching),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let miss = try await client.execute(uri: "/page", method: .get)
            #expect(miss.headers[.xCache] == "MISS")
            for _ in 0..<3 {
                let hit = try await client.execute(uri: "/page", method: .get)
                #expect(hit.headers[.xCache] == "HIT")
                #expect(String(buffer: hit.body) == hotPage)
            }
            #expect(reached.count == 1)
        }
    }

    /// One hot-path server (django mode, memory backend, hot entries living
    /// a minute) with `configuration`; `body` gets its port and the count of
    /// requests that reached the responder.
    static func withHotPathServer(
        _ settings: HTTPCacheSettings, configuration: HTTP1Channel.Configuration,
        _ body: @Sendable (_ port: Int, _ reached: Counter) async throws -> Void
    ) async throws {
        var logger = Logger(label: "hot-path-server")
        logger.logLevel = .critical
        let caches = try Caches(settings: CacheSettings(caches: ["default": CacheConfiguration(
            backend: "memory", location: "hot-server-" + UUID().uuidString)]))
        var settings = settings
        settings.hotStoreStaleness = 60
        let caching = try CachingResponder(hotPathRouter(shared: false).buildResponder(), settings: settings, caches: caches)
        let reached = Counter()
        let (stream, port) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: CountingResponder(inner: caching, reached: reached),
            server: .http1(servingHitsFrom: caching, configuration: configuration),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = stream.makeAsyncIterator()
            try await body(await iterator.next() ?? 0, reached)
            group.cancelAll()
        }
    }

    @Test("a connection answered only at the connection is not idle: Hummingbird's idleTimeout sees its requests")
    func idleTimeout() async throws {
        try await Self.withHotPathServer(HTTPCacheSettings(), configuration: .init(idleTimeout: .seconds(6))) { port, reached in
            _ = try await rawRequest(port, "GET", "/page")
            // Four hits 3.5 s apart on one connection: 10.5 s in all, longer
            // than the idle timeout, but never 6 s without a request (2.5 s
            // of margin for a stalled machine).
            let exchange = try await RawHTTPConnection.turns(port: port, Array(repeating: .request("GET", "/page"), count: 4), pause: .milliseconds(3500))
            let (answered, closed) = (exchange.responses.count, exchange.closed)
            #expect(answered == 4)
            #expect(!closed)
            #expect(reached.count == 1)
        }
    }

    @Test("an app's own channel handler between the codec and the hot path sees hit answers too (the head is not written below it)")
    func ownHandlerSeesAnswers() async throws {
        try await Self.withHotPathServer(
            HTTPCacheSettings(debugHeaders: true), configuration: .init(additionalChannelHandlers: [ResponseMarker()])
        ) { port, reached in
            let miss = try await rawRequest(port, "GET", "/page")
            #expect(miss.field("x-cache") == "MISS")
            #expect(miss.field("x-marked") == "yes")
            // Twice on one connection: a new answer, then the reused one.
            let hits = try await RawHTTPConnection.turns(port: port, [.request("GET", "/page"), .request("GET", "/page")], pause: .zero)
            #expect(hits.responses.count == 2)
            for hit in hits.responses {
                #expect(hit.field("x-cache") == "HIT")
                #expect(hit.field("x-marked") == "yes")
                #expect(hit.text == hotPage)
            }
            #expect(reached.count == 1)
        }
    }

    @Test("without a hot tier (hotStoreBytes 0) the server is the plain one")
    func hotTierOff() async throws {
        try await withHotPathServers(HTTPCacheSettings(hotStoreBytes: 0)) { fast, full, reached in
            try await Self.warm(full)
            let before = reached.count
            #expect(try await rawRequest(fast, "GET", "/page").text == hotPage)
            #expect(reached.count == before + 1)
        }
    }
}

/// An app's own outbound handler: marks every response head `X-Marked: yes`.
final class ResponseMarker: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), let name = HTTPField.Name("X-Marked") else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[name] = "yes"
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
