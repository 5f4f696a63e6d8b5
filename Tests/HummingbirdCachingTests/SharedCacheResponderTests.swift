import Caching
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
