import AsyncHTTPClient
import Caching
@testable import CachingProxy
import Foundation
import HTTPCaching
import Hummingbird
import NIOCore
import NIOHTTP1
import Testing

/// An origin and two proxies in front of it, each on its own cache: `hot`
/// answers fresh hits at the connection, `full` (no hot tier) through
/// Hummingbird's request path.
func withTwoProxies(
    _ body: @Sendable (_ hot: String, _ full: String, _ hotService: CachingProxyService, _ counter: OriginCounter) async throws -> Void
) async throws {
    let counter = OriginCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        let (originPorts, originPort) = AsyncStream.makeStream(of: Int.self)
        let origin = Application(
            router: makeOrigin(counter), configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "test-origin"),
            onServerRunning: { channel in originPort.yield(channel.localAddress?.port ?? 0) },
            logger: quietLogger("origin"))
        group.addTask { try await origin.runService(gracefulShutdownSignals: []) }
        var originIterator = originPorts.makeAsyncIterator()
        let upstreamPort = await originIterator.next() ?? 0
        var urls: [String] = []
        var services: [CachingProxyService] = []
        for hotStoreBytes in [HTTPCacheSettings.defaultHotStoreBytes, 0] {
            let cache = Cache(backend: MemoryCacheBackend(location: "proxy-hot-" + UUID().uuidString, configuration: .init(maxEntries: 1000)))
            let proxy = CachingProxyServer(
                host: "127.0.0.1", port: 0, upstream: UpstreamOrigin(baseURL: "http://127.0.0.1:\(upstreamPort)"),
                cache: cache, configuration: .init(maxBodyBytes: 100_000, cacheStatus: true),
                hotStoreBytes: hotStoreBytes, logger: quietLogger("proxy"))
            let (ports, port) = AsyncStream.makeStream(of: Int.self)
            let service = proxy.service { port.yield($0) }
            services.append(service)
            group.addTask { try await service.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            urls.append("http://127.0.0.1:\(await iterator.next() ?? 0)")
        }
        try await body(urls[0], urls[1], services[0], counter)
        group.cancelAll()
    }
}

/// Header fields in order, with those that change between two fetches
/// (`Date`, `Age`, `Cache-Status`'s `ttl`) blanked.
func comparableFields(_ response: HTTPClientResponse) -> [String] {
    response.headers.map { name, value in
        switch name.lowercased() {
        case "date", "age": return name.lowercased() + ": *"
        case "cache-status":
            return "cache-status: " + value.replacingOccurrences(of: #"ttl=-?\d+"#, with: "ttl=*", options: .regularExpression)
        default: return name.lowercased() + ": " + value
        }
    }
}

@Suite("caching-proxy: fresh hits served at the connection")
struct ProxyHotPathTests {
    @Test("the proxy's hot tier holds what it stores; hits (GET, HEAD, 304, encoded bodies) equal the full path's answers")
    func hitsEqualTheFullPath() async throws {
        try await withTwoProxies { hot, full, hotService, counter in
            #expect(hotService.hotPath != nil)
            // Pages whose bodies do not change from fetch to fetch.
            for path in ["/hop", "/gzip"] {
                _ = try await fetch(hot + path)
                _ = try await fetch(full + path)
            }
            #expect((hotService.responder.shared.hotStore?.count ?? 0) > 0)
            let requests: [(String, HTTPMethod, [(String, String)])] = [
                ("/hop", .GET, []), ("/hop", .HEAD, []), ("/gzip", .GET, [("Accept-Encoding", "gzip")]),
                ("/gzip", .HEAD, []), ("/hop", .GET, [("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT")]),
            ]
            for (path, method, headers) in requests {
                let (hotResponse, hotBody) = try await fetchBytes(hot + path, method: method, headers: headers)
                let (fullResponse, fullBody) = try await fetchBytes(full + path, method: method, headers: headers)
                #expect(hotResponse.status == fullResponse.status, "\(method) \(path)")
                #expect(comparableFields(hotResponse) == comparableFields(fullResponse), "\(method) \(path)")
                #expect(hotBody == fullBody, "\(method) \(path)")
                #expect(hotResponse.headers.first(name: "Cache-Status")?.contains("hit") == true)
            }
            #expect(counter.count("/gzip") == 2)
        }
    }

    @Test("requests the hot tier cannot answer still reach the upstream: no-cache, stale pages, POST invalidation")
    func passThrough() async throws {
        try await withTwoProxies { hot, _, hotService, counter in
            _ = try await fetch(hot + "/cached")
            _ = try await fetch(hot + "/cached", headers: [("Cache-Control", "no-cache")])
            #expect(counter.count("/cached") == 2)
            _ = try await fetch(hot + "/cached", method: .POST)
            let (_, refetched) = try await fetch(hot + "/cached")
            #expect(refetched == "cached 3")
            // max-age=0: stored for revalidation, never fresh, so never answered from the tier.
            _ = try await fetch(hot + "/validated")
            let (revalidated, _) = try await fetch(hot + "/validated")
            #expect(revalidated.headers.first(name: "Cache-Status")?.contains("fwd-status=304") == true)
            #expect(hotService.hotPath != nil)
        }
    }
}
