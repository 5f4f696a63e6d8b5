import Caching
import HTTPCaching
import Hummingbird
import HummingbirdCaching

/// The demo's routes (`caching-demo` serves them; the tests drive them
/// in-process). Each page group registers itself from its own file.
public struct DemoSite: Sendable {
    let caches: Caches

    /// The demo on `caches`.
    public init(caches: Caches) {
        self.caches = caches
    }

    /// One line per page on the home page.
    struct Entry: Sendable {
        var path: String
        var title: String
        var explanation: String
    }

    static let entries: [Entry] = [
        Entry(path: "/site", title: "Site-wide cached page",
              explanation: "Stored by the site-wide page cache (CachingResponder, Django's middleware order) for 600 s: reload and the time stays, X-Cache turns HIT; send its ETag in If-None-Match and get 304."),
        Entry(path: "/per-route", title: "Per-route cached page",
              explanation: "RouteCaching.cachePage(30): cached for 30 s under its own key prefix."),
        Entry(path: "/never", title: "Never-cache page",
              explanation: "RouteCaching.neverCache: max-age=0, no-cache, no-store, must-revalidate, private; never stored."),
        Entry(path: "/private", title: "Private page",
              explanation: "Cache-Control: private: for the browser only, so the site-wide cache does not store it."),
        Entry(path: "/account", title: "Per-user page (Authorization)",
              explanation: "Cached site-wide, but a request with Authorization adds Vary: Authorization, so each user gets their own copy (try curl -u alice:x and -u bob:x)."),
        Entry(path: "/hello", title: "Varies on Accept-Language",
              explanation: "Vary: Accept-Language: one cached copy per language; try another Accept-Language header."),
        Entry(path: "/article", title: "ETag / Last-Modified",
              explanation: "RouteCaching.condition: send If-None-Match or If-Modified-Since and get 304 without running the handler."),
        Entry(path: "/fibonacci?n=80", title: "Memoized computation",
              explanation: "The low-level API: cache.getOrSet memoizes a slow computation for 60 s."),
        Entry(path: "/policies/all-users", title: "URL policies for Varnish/CDNs",
              explanation: "django-cache-headers: per-URL policies (all users, anonymous only, per user...) set s-maxage and X-Hash-Cookies; log in and out to compare."),
        Entry(path: "/fragment", title: "Cached template fragment",
              explanation: "A Mustache page whose sidebar is a {{#cache}} fragment: the page renders each time, the sidebar every 30 s."),
    ]

    /// Every page of the demo; wrap it in `CachingResponder` for the site-wide cache.
    public func router() throws -> Router<BasicRequestContext> {
        let router = Router()
        // The site-wide cache wraps the whole router (see CachingDemo.run) in
        // Django's order — update, conditional GET, fetch — so it sees the
        // headers every layer adds and cached pages are answered 304 too.
        router.get("/") { _, _ in DemoHTML.page(title: "swift-caching demo", body: Self.homeBody) }
        addPageCachingRoutes(to: router)
        addConditionalRoutes(to: router)
        addMemoizationRoutes(to: router)
        try addPolicyRoutes(to: router)
        try addFragmentRoutes(to: router)
        return router
    }

    static var homeBody: String {
        var html = "<p>Each page shows one part of swift-caching. Response headers tell the story: "
            + "<code>X-Cache</code>, <code>Cache-Control</code>, <code>Expires</code>, <code>Age</code>, <code>ETag</code>.</p><ul>"
        for entry in entries {
            html += "<li><a href=\"\(entry.path)\">\(entry.title)</a> — \(DemoHTML.escape(entry.explanation))</li>"
        }
        return html + "</ul>"
    }
}
