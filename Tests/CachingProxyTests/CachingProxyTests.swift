import AsyncHTTPClient
import Caching
@testable import CachingProxy
import Foundation
import HTTPCaching
import HTTPTypes
import Logging
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

extension HTTPField.Name {
    static let xHop = HTTPField.Name("X-Hop") ?? .server
    static let testVia = HTTPField.Name("Via") ?? .server
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host") ?? .server
    static let clientHop = HTTPField.Name("X-Client-Hop") ?? .server
}

/// A small origin for the proxy: counts its requests per path.
final class OriginCounter: Sendable {
    private let counts = CacheLock<[String: Int]>([:])
    func hit(_ path: String) -> Int { counts.withLock { $0[path, default: 0] += 1; return $0[path, default: 0] } }
    func count(_ path: String) -> Int { counts.withLock { $0[path, default: 0] } }
}

func makeOrigin(_ counter: OriginCounter) -> Router<BasicRequestContext> {
    let router = Router()
    router.get("/cached") { _, _ in
        let n = counter.hit("/cached")
        return Response(status: .ok, headers: [.cacheControl: "max-age=60", .contentType: "text/plain"],
                        body: .init(byteBuffer: ByteBuffer(string: "cached \(n)")))
    }
    router.get("/validated") { request, _ in
        _ = counter.hit("/validated")
        if request.headers[.ifNoneMatch] == "\"v1\"" {
            return Response(status: .notModified, headers: [.eTag: "\"v1\"", .cacheControl: "max-age=0"])
        }
        return Response(status: .ok, headers: [.eTag: "\"v1\"", .cacheControl: "max-age=0"],
                        body: .init(byteBuffer: ByteBuffer(string: "validated")))
    }
    router.get("/hop") { _, _ in
        Response(status: .ok, headers: [.cacheControl: "max-age=60", .connection: "X-Hop", HTTPField.Name.xHop: "1"],
                 body: .init(byteBuffer: ByteBuffer(string: "hop")))
    }
    router.get("/big") { _, _ in
        _ = counter.hit("/big")
        // 3 chunks of 64 KiB: larger than the proxy's body limit in these tests.
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        return Response(status: .ok, headers: [.cacheControl: "max-age=60"], body: .init(contentsOf: [chunk, chunk, chunk]))
    }
    router.post("/echo") { request, _ in
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        return Response(status: .ok, body: .init(byteBuffer: body))
    }
    router.post("/cached") { _, _ in
        Response(status: .noContent)
    }
    router.get("/gzip") { _, _ in
        _ = counter.hit("/gzip")
        return Response(status: .ok, headers: [.cacheControl: "max-age=60", .contentEncoding: "gzip", .contentType: "text/plain"],
                        body: .init(byteBuffer: ByteBuffer(bytes: gzipBody)))
    }
    router.get("/br") { _, _ in
        _ = counter.hit("/br")
        return Response(status: .ok, headers: [.cacheControl: "max-age=60", .contentEncoding: "br", .contentType: "text/plain"],
                        body: .init(byteBuffer: ByteBuffer(bytes: brotliBody)))
    }
    for (path, status) in [("/r301", HTTPResponse.Status.movedPermanently), ("/r302", .found),
                           ("/r307", .temporaryRedirect), ("/r308", .permanentRedirect)] {
        router.get(RouterPath(stringLiteral: path)) { _, _ in
            Response(status: status, headers: [.location: "/target?from=\(path.dropFirst())"],
                     body: .init(byteBuffer: ByteBuffer(string: "moved")))
        }
    }
    router.get("/target") { _, _ in
        _ = counter.hit("/target")
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "target")))
    }
    router.on("/search", method: HTTPRequest.Method("MSEARCH") ?? .get) { _, _ in
        Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "searched")))
    }
    router.get("/names") { request, _ in
        let names = request.headers.map { $0.name.canonicalName }.sorted().joined(separator: ",")
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: names)))
    }
    router.get("/headers") { request, _ in
        let via = request.headers[HTTPField.Name.testVia] ?? ""
        let forwarded = request.headers[HTTPField.Name.forwardedHost] ?? ""
        let hop = request.headers[HTTPField.Name.clientHop] ?? ""
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "via=\(via) host=\(forwarded) hop=\(hop)")))
    }
    return router
}

/// A logger for test servers: their shutdown on cancellation is not news.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}

/// Runs an origin and a proxy in front of it for the test's body.
func withProxy(_ body: @Sendable (_ proxyURL: String, _ counter: OriginCounter) async throws -> Void) async throws {
    let counter = OriginCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        let (originPorts, originPort) = AsyncStream.makeStream(of: Int.self)
        let origin = Application(
            router: makeOrigin(counter), configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "test-origin"),
            onServerRunning: { channel in originPort.yield(channel.localAddress?.port ?? 0) },
            logger: quietLogger("origin"))
        // (Its configuration names the server, so that a Server field is sent.)
        group.addTask { try await origin.runService(gracefulShutdownSignals: []) }
        var ports = originPorts.makeAsyncIterator()
        let upstreamPort = await ports.next() ?? 0

        let cache = Cache(backend: MemoryCacheBackend(location: "proxy-tests-" + UUID().uuidString, configuration: .init(maxEntries: 1000)))
        let proxy = CachingProxyServer(
            host: "127.0.0.1", port: 0, upstream: UpstreamOrigin(baseURL: "http://127.0.0.1:\(upstreamPort)"),
            cache: cache, configuration: .init(maxBodyBytes: 100_000, cacheStatus: true), logger: quietLogger("proxy"))
        let (proxyPorts, proxyPort) = AsyncStream.makeStream(of: Int.self)
        let app = proxy.service { port in proxyPort.yield(port) }
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var proxyIterator = proxyPorts.makeAsyncIterator()
        let port = await proxyIterator.next() ?? 0
        try await body("http://127.0.0.1:\(port)", counter)
        group.cancelAll()
    }
}

/// A gzip body made by zlib (`gzip.compress(b"hello, compressed world\n" * 3, mtime=0)`).
let gzipBody: [UInt8] = [
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x48, 0xce, 0xcf,
    0x2d, 0x28, 0x4a, 0x2d, 0x2e, 0x4e, 0x4d, 0x51, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0xe1, 0xca, 0x20, 0x51, 0x1c, 0x00, 0xa6,
    0x5b, 0x15, 0x9b, 0x48, 0x00, 0x00, 0x00,
]

/// Opaque bytes labelled `br`: a proxy must not look inside them.
let brotliBody: [UInt8] = [0x1b, 0x2f, 0x00, 0xf8, 0x25, 0x82, 0x82, 0x71, 0x00, 0xff, 0x00, 0x80, 0x7f, 0x0d, 0x0a]

/// The tests' client: like the proxy's own, it follows no redirect and
/// decodes no body, so what the proxy sent is what the test sees.
let testClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: UpstreamOrigin.proxyConfiguration)

func fetchBytes(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil) async throws -> (HTTPClientResponse, [UInt8]) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    let response = try await testClient.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 10 << 20)
    return (response, Array(bytes.readableBytesView))
}

func fetch(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil) async throws -> (HTTPClientResponse, String) {
    let (response, bytes) = try await fetchBytes(url, method: method, headers: headers, body: body)
    return (response, String(decoding: bytes, as: UTF8.self))
}

@Suite("caching-proxy end to end")
struct CachingProxyTests {
    @Test("a cacheable page is fetched once and then served from the cache, with Age and Cache-Status")
    func cachesPages() async throws {
        try await withProxy { proxy, counter in
            let (first, firstBody) = try await fetch(proxy + "/cached")
            #expect(first.status == .ok)
            #expect(firstBody == "cached 1")
            let (second, secondBody) = try await fetch(proxy + "/cached")
            #expect(secondBody == "cached 1")
            #expect(second.headers.first(name: "Age") != nil)
            #expect(second.headers.first(name: "Cache-Status")?.contains("hit") == true)
            #expect(counter.count("/cached") == 1)
        }
    }

    @Test("a stale page is revalidated upstream and served from the 304")
    func revalidates() async throws {
        try await withProxy { proxy, counter in
            _ = try await fetch(proxy + "/validated")
            let (second, body) = try await fetch(proxy + "/validated")
            #expect(second.status == .ok)
            #expect(body == "validated")
            #expect(second.headers.first(name: "Cache-Status")?.contains("fwd-status=304") == true)
            #expect(counter.count("/validated") == 2)
        }
    }

    @Test("POST bodies are forwarded, and a POST invalidates the stored page")
    func unsafeMethods() async throws {
        try await withProxy { proxy, counter in
            let (_, echoed) = try await fetch(proxy + "/echo", method: .POST, body: "hello upstream")
            #expect(echoed == "hello upstream")
            _ = try await fetch(proxy + "/cached")
            _ = try await fetch(proxy + "/cached", method: .POST)
            let (_, refetched) = try await fetch(proxy + "/cached")
            #expect(refetched == "cached 2")
            #expect(counter.count("/cached") == 2)
        }
    }

    @Test("hop-by-hop fields are dropped both ways; Via and X-Forwarded-Host are added")
    func hopByHop() async throws {
        try await withProxy { proxy, _ in
            let (response, _) = try await fetch(proxy + "/hop")
            #expect(response.headers.first(name: "X-Hop") == nil)
            #expect(response.headers.first(name: "Via") == UpstreamOrigin.via)
            let (_, seen) = try await fetch(proxy + "/headers", headers: [("Connection", "X-Client-Hop"), ("X-Client-Hop", "1")])
            #expect(seen.contains("via=1.1 swift-caching"))
            #expect(seen.contains("host=127.0.0.1:"))
            #expect(seen.hasSuffix("hop="))
        }
    }

    @Test("a body over the size limit streams through and is not stored")
    func largeBodies() async throws {
        try await withProxy { proxy, counter in
            let (_, first) = try await fetch(proxy + "/big")
            #expect(first.utf8.count == 3 * 64 * 1024)
            let (_, second) = try await fetch(proxy + "/big")
            #expect(second.utf8.count == 3 * 64 * 1024)
            #expect(counter.count("/big") == 2)
        }
    }

    @Test("RFC 9110 §15.4: redirects reach the client unfollowed, Location untouched", arguments: ["/r301", "/r302", "/r307", "/r308"])
    func redirects(_ path: String) async throws {
        try await withProxy { proxy, counter in
            let (response, body) = try await fetch(proxy + path)
            #expect(Int(response.status.code) == Int(path.dropFirst(2)) ?? 0)
            #expect(response.headers.first(name: "Location") == "/target?from=\(path.dropFirst())")
            #expect(body == "moved")
            #expect(counter.count("/target") == 0)
        }
    }

    @Test("RFC 9110 §8.4, §7.7: gzip and br bodies pass through byte for byte with their Content-Encoding, miss and hit")
    func encodedBodies() async throws {
        try await withProxy { proxy, counter in
            for (path, bytes, coding) in [("/gzip", gzipBody, "gzip"), ("/br", brotliBody, "br")] {
                for _ in 0..<2 {
                    let (response, body) = try await fetchBytes(proxy + path, headers: [("Accept-Encoding", "gzip, br")])
                    #expect(body == bytes)
                    #expect(response.headers.first(name: "Content-Encoding") == coding)
                }
                #expect(counter.count(path) == 1)
            }
        }
    }

    @Test("RFC 9110 §7.6: upstream requests carry only the client's fields plus Via and X-Forwarded-Host/-Proto")
    func noAddedRequestFields() async throws {
        try await withProxy { proxy, _ in
            let (_, names) = try await fetch(proxy + "/names")
            #expect(names == "via,x-forwarded-host,x-forwarded-proto")
            let (_, withClientFields) = try await fetch(proxy + "/names", headers: [("Accept", "text/plain"), ("X-Custom", "1")])
            #expect(withClientFields == "accept,via,x-custom,x-forwarded-host,x-forwarded-proto")
        }
    }

    @Test("RFC 9110 §9.1: an extension method (M-SEARCH) is forwarded by its own name")
    func extensionMethod() async throws {
        try await withProxy { proxy, _ in
            let (response, body) = try await fetch(proxy + "/search", method: .RAW(value: "M-SEARCH"))
            #expect(response.status == .ok)
            #expect(body == "searched")
        }
    }

    @Test("RFC 9110 §6.6.1, §10.2.4: the origin's Date and Server are passed on, and a hit keeps the stored Date")
    func dateAndServer() async throws {
        try await withProxy { proxy, _ in
            let (first, _) = try await fetch(proxy + "/cached")
            #expect(first.headers.first(name: "Server") == "test-origin")
            let date = try #require(first.headers.first(name: "Date"))
            // Past the next whole second, so that a Date written now would differ.
            try await Task.sleep(for: .milliseconds(1100))
            let (second, _) = try await fetch(proxy + "/cached")
            #expect(second.headers.first(name: "Cache-Status")?.contains("hit") == true)
            #expect(second.headers.first(name: "Date") == date)
            #expect(second.headers.first(name: "Server") == "test-origin")
        }
    }

    @Test("RFC 9110 §9.1: NIO's MSEARCH is written as M-SEARCH; other methods keep their names")
    func wireMethods() {
        #expect(UpstreamOrigin.wireMethod(HTTPRequest.Method("MSEARCH") ?? .get) == .RAW(value: "M-SEARCH"))
        #expect(UpstreamOrigin.wireMethod(.get) == .GET)
        #expect(UpstreamOrigin.wireMethod(HTTPRequest.Method("PURGE") ?? .get) == .PURGE)
        #expect(UpstreamOrigin.wireMethod(HTTPRequest.Method("X-CUSTOM") ?? .get) == .RAW(value: "X-CUSTOM"))
    }

    @Test("RFC 9110 §9.2.2: only idempotent requests without a streamed body are retried, and only after a closed connection")
    func retries() {
        let closed = HTTPClientError.remoteConnectionClosed
        #expect(UpstreamOrigin.mayRetry(.get, body: .empty, after: closed))
        #expect(UpstreamOrigin.mayRetry(.put, body: .buffered([1]), after: IOError(errnoCode: 104, reason: "read")))
        #expect(UpstreamOrigin.mayRetry(.head, body: .empty, after: ChannelError.ioOnClosedChannel))
        #expect(UpstreamOrigin.mayRetry(.get, body: .empty, after: HTTPParserError.invalidConstant))
        #expect(!UpstreamOrigin.mayRetry(.post, body: .empty, after: closed))
        #expect(!UpstreamOrigin.mayRetry(HTTPRequest.Method("MSEARCH") ?? .post, body: .empty, after: closed))
        #expect(!UpstreamOrigin.mayRetry(.put, body: .stream(AsyncThrowingStream { $0.finish() }), after: closed))
        #expect(!UpstreamOrigin.mayRetry(.get, body: .empty, after: HTTPClientError.deadlineExceeded))
    }

    @Test("an upstream that is down gives 502, not a hang or a crash")
    func upstreamDown() async throws {
        let cache = Cache(backend: MemoryCacheBackend(location: "proxy-down-" + UUID().uuidString))
        let shared = SharedHTTPCache(cache: cache)
        let origin = UpstreamOrigin(baseURL: "http://127.0.0.1:9", timeout: .seconds(5))
        let request = HTTPRequest(method: .get, scheme: "http", authority: "example.test", path: "/")
        let response = await shared.respond(to: request) { request, body in try await origin.respond(request, body) }
        #expect(response.head.status == .badGateway)
    }
}
