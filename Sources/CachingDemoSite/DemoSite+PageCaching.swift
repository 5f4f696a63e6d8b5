import CachingDemoContent
import HTTPCaching
import Hummingbird
import HummingbirdCaching
import NIOCore

extension DemoSite {
    /// The page-cache pages: site-wide, per-route, never-cache, private, Vary.
    func addPageCachingRoutes(to router: Router<BasicRequestContext>) {
        router.get("/site") { _, _ in DemoHTML.response(DemoPages.site()) }
        router.get("/per-route", use: RouteCaching.cachePage(30, cache: caches.default, keyPrefix: "per-route") { _, _ in
            DemoHTML.response(DemoPages.perRoute())
        })
        router.get("/never", use: RouteCaching.neverCache { _, _ in DemoHTML.response(DemoPages.never()) })
        router.get("/private", use: RouteCaching.cacheControl([.private, .maxAge(60)]) { _, _ in
            DemoHTML.response(DemoPages.privatePage())
        })
        router.get("/account") { request, _ in DemoHTML.response(DemoPages.account(authorization: request.headers[.authorization])) }
        let pages = caches.default
        router.get("/products/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            var response = DemoHTML.response(DemoPages.product(id: id))
            response.headers[.cacheControl] = DemoPages.productCacheControl
            CacheTagHeader.set(DemoPages.productTags(id: id), in: &response.headers)
            return response
        }
        router.post("/products/:id/invalidate") { request, context in
            // Read the (empty) body: in the shared mode a handler that leaves
            // it unread can lose the keep-alive connection (SharedCacheResponder
            // cancels the read of a body stream nobody consumed).
            _ = try await request.body.collect(upTo: 1024)
            try await pages.invalidate(tags: ["product:" + (context.parameters.get("id") ?? "")])
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "invalidated")))
        }
        router.get("/hello", use: RouteCaching.varyOnHeaders(["Accept-Language"]) { request, _ in
            DemoHTML.response(DemoPages.hello(acceptLanguage: request.headers[.acceptLanguage]))
        })
    }
}
