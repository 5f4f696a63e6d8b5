import CachingDemoContent
import HTTPCaching
import Hummingbird
import HummingbirdCaching

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
        router.get("/hello", use: RouteCaching.varyOnHeaders(["Accept-Language"]) { request, _ in
            DemoHTML.response(DemoPages.hello(acceptLanguage: request.headers[.acceptLanguage]))
        })
    }
}
