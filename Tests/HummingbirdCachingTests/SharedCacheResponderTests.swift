import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Shared-cache mode inside a Hummingbird app")
struct SharedCacheResponderTests {
    @Test("route handlers are the origin: fresh responses are served from the cache, stale ones revalidated with a 304")
    func handlersAsOrigin() async throws {
        let fresh = Counter(), validated = Counter()
        let router = Router()
        router.add(middleware: ConditionalGetMiddleware())
        router.get("/fresh") { _, _ in
            Response(status: .ok, headers: [.cacheControl: "max-age=60"], body: .init(byteBuffer: ByteBuffer(string: "fresh \(fresh.next())")))
        }
        router.get("/validated") { _, _ in
            _ = validated.next()
            return Response(status: .ok, headers: [.cacheControl: "max-age=0"], body: .init(byteBuffer: ByteBuffer(string: "same body")))
        }
        let shared = SharedHTTPCache(cache: memoryCache(), configuration: .init(cacheStatus: true))
        let app = Application(responder: SharedCacheResponder(router.buildResponder(), cache: shared))
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/fresh", method: .get)
            let hit = try await client.execute(uri: "/fresh", method: .get)
            #expect(String(buffer: hit.body) == "fresh 1")
            #expect(hit.headers[HTTPField.Name("Cache-Status") ?? .age]?.contains("hit") == true)
            #expect(fresh.count == 1)

            _ = try await client.execute(uri: "/validated", method: .get)
            let revalidated = try await client.execute(uri: "/validated", method: .get)
            #expect(revalidated.status == .ok)
            #expect(String(buffer: revalidated.body) == "same body")
            #expect(revalidated.headers[HTTPField.Name("Cache-Status") ?? .age]?.contains("fwd-status=304") == true)
            #expect(validated.count == 2)
        }
    }
}

@Suite("Page cache mode selected in settings")
struct CachingResponderTests {
    func caches() throws -> Caches {
        try Caches(settings: CacheSettings(caches: ["default": CacheConfiguration(backend: "memory", location: "responder-" + UUID().uuidString)]))
    }

    func settings(_ json: String) throws -> HTTPCacheSettings {
        try HTTPCacheSettings(document: JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)))
    }

    @Test("httpCache.mode: django stores by Django's rules, shared by RFC 9111")
    func modes() async throws {
        let django = try settings(#"{"httpCache": {"mode": "django", "debugHeaders": true}}"#)
        let shared = try settings(#"{"httpCache": {"mode": "shared", "debugHeaders": true}}"#)
        #expect(django.mode == .django)
        #expect(shared.mode == .shared)
        for (mode, marker) in [(django, "X-Cache"), (shared, "Cache-Status")] {
            let counter = Counter()
            let router = Router()
            router.get("/page") { _, _ in
                Response(status: .ok, headers: [.cacheControl: "max-age=60"], body: .init(byteBuffer: ByteBuffer(string: "p \(counter.next())")))
            }
            let app = Application(responder: try CachingResponder(router.buildResponder(), settings: mode, caches: try caches()))
            try await app.test(.router) { client in
                _ = try await client.execute(uri: "/page", method: .get)
                let hit = try await client.execute(uri: "/page", method: .get)
                #expect(String(buffer: hit.body) == "p 1")
                #expect(hit.headers[HTTPField.Name(marker) ?? .age] != nil)
            }
            #expect(counter.count == 1)
        }
    }

    @Test("bad httpCache settings name what is wrong")
    func badSettings() throws {
        #expect(throws: CacheConfigurationError.self) { try settings(#"{"httpCache": {"mode": "rfc"}}"#) }
        #expect(throws: CacheConfigurationError.self) { try settings(#"{"httpCache": {"timeout": 5}}"#) }
        let unknownAlias = try settings(#"{"httpCache": {"cache": "nope"}}"#)
        #expect(throws: CacheConfigurationError.self) { try CachingResponder(Router().buildResponder(), settings: unknownAlias, caches: try caches()) }
    }
}
