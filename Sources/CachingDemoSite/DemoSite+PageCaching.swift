import Foundation
import HTTPCaching
import Hummingbird
import HummingbirdCaching

extension DemoSite {
    /// The user name of a `Basic` Authorization value, if any.
    static func basicUser(_ authorization: String?) -> String? {
        guard let authorization, authorization.hasPrefix("Basic "),
              let data = Data(base64Encoded: String(authorization.dropFirst(6))) else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    /// The page-cache pages: site-wide, per-route, never-cache, private, Vary.
    func addPageCachingRoutes(to router: Router<BasicRequestContext>) {
        router.get("/site") { _, _ in
            DemoHTML.page(title: "Site-wide cached page", body: DemoHTML.renderedAt + "<p>Reload: the time does not change for 10 minutes.</p>")
        }
        router.get("/per-route", use: RouteCaching.cachePage(30, cache: caches.default, keyPrefix: "per-route") { _, _ in
            DemoHTML.page(title: "Per-route cached page", body: DemoHTML.renderedAt + "<p>Cached for 30 seconds by this route alone.</p>")
        })
        router.get("/never", use: RouteCaching.neverCache { _, _ in
            DemoHTML.page(title: "Never-cache page", body: DemoHTML.renderedAt + "<p>Every reload renders again.</p>")
        })
        router.get("/private", use: RouteCaching.cacheControl([.private, .maxAge(60)]) { _, _ in
            DemoHTML.page(title: "Private page", body: DemoHTML.renderedAt + "<p>Your browser may keep this for 60 s; shared caches may not.</p>")
        })
        router.get("/account") { request, _ in
            // The site-wide cache adds Vary: Authorization for requests that carry
            // one (Django's UpdateCacheMiddleware), so each user's copy is their own.
            let name = Self.basicUser(request.headers[.authorization]) ?? "anonymous"
            return DemoHTML.page(title: "Your account", body: DemoHTML.renderedAt + "<p>Signed in as \(DemoHTML.escape(name)).</p>")
        }
        router.get("/hello", use: RouteCaching.varyOnHeaders(["Accept-Language"]) { request, _ in
            let language = request.headers[.acceptLanguage]?.split(separator: ",").first.map(String.init) ?? "en"
            let greeting = language.hasPrefix("fr") ? "Bonjour" : language.hasPrefix("de") ? "Hallo" : "Hello"
            return DemoHTML.page(title: greeting, body: DemoHTML.renderedAt + "<p>One cached copy per Accept-Language (\(DemoHTML.escape(language))).</p>")
        })
    }
}
