import Caching
import Foundation
import HTTPCaching
import HTTPTypes

/// The demo's pages as HTML text, with no web framework: `caching-demo`
/// (Hummingbird) and `caching-demo-vapor` serve the same pages from here, each
/// wiring them to its framework's routes and swift-caching's adapter for it.
public enum DemoPages {
    /// One line per page on the home page.
    public struct Entry: Sendable {
        /// The page's path (and query).
        public var path: String
        /// Its link text.
        public var title: String
        /// What it shows.
        public var explanation: String
    }

    /// Every page, in the home page's order.
    public static let entries: [Entry] = [
        Entry(path: "/site", title: "Site-wide cached page",
              explanation: "Stored by the site-wide page cache (Django's middleware order) for 600 s: reload and the time stays, X-Cache turns HIT; send its ETag in If-None-Match and get 304."),
        Entry(path: "/per-route", title: "Per-route cached page",
              explanation: "cachePage(30) on one route: cached for 30 s under its own key prefix."),
        Entry(path: "/never", title: "Never-cache page",
              explanation: "neverCache: max-age=0, no-cache, no-store, must-revalidate, private; never stored."),
        Entry(path: "/private", title: "Private page",
              explanation: "Cache-Control: private: for the browser only, so the site-wide cache does not store it."),
        Entry(path: "/account", title: "Per-user page (Authorization)",
              explanation: "Cached site-wide, but a request with Authorization adds Vary: Authorization, so each user gets their own copy (try curl -u alice:x and -u bob:x)."),
        Entry(path: "/hello", title: "Varies on Accept-Language",
              explanation: "Vary: Accept-Language: one cached copy per language; try another Accept-Language header."),
        Entry(path: "/article", title: "ETag / Last-Modified",
              explanation: "A condition on the route: send If-None-Match or If-Modified-Since and get 304 without running the handler."),
        Entry(path: "/products/42", title: "Tagged page (Cache-Tag)",
              explanation: "Declares Cache-Tag: product:42 products and is cached 60 s; POST /products/42/invalidate calls invalidate(tags: [\"product:42\"]) and the next request renders again, while /products/43 stays cached."),
        Entry(path: "/fibonacci?n=80", title: "Memoized computation",
              explanation: "The low-level API: cache.getOrSet memoizes a slow computation for 60 s."),
        Entry(path: "/policies/all-users", title: "URL policies for Varnish/CDNs",
              explanation: "django-cache-headers: per-URL policies (all users, anonymous only, per user...) set s-maxage and X-Hash-Cookies; log in and out to compare."),
        Entry(path: "/fragment", title: "Cached template fragment",
              explanation: "A Mustache page whose sidebar is a {{#cache}} fragment: the page renders each time, the sidebar every 30 s."),
    ]

    /// The `Content-Type` of every page.
    public static let contentType = "text/html; charset=utf-8"

    /// A whole page.
    public static func html(title: String, body: String) -> String {
        """
        <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title></head>
        <body><h1>\(escape(title))</h1>\(body)<p><a href="/">Home</a></p></body></html>
        """
    }

    /// The current time, to show when a page was rendered.
    public static var renderedAt: String {
        "<p>Rendered at <strong>\(Date().formatted(.iso8601))</strong>.</p>"
    }

    /// Text escaped for HTML.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `/`.
    public static func home() -> String {
        var list = "<p>Each page shows one part of swift-caching. Response headers tell the story: "
            + "<code>X-Cache</code>, <code>Cache-Control</code>, <code>Expires</code>, <code>Age</code>, <code>ETag</code>.</p><ul>"
        for entry in entries {
            list += "<li><a href=\"\(entry.path)\">\(entry.title)</a> — \(escape(entry.explanation))</li>"
        }
        return html(title: "swift-caching demo", body: list + "</ul>")
    }

    /// `/site`, stored by the site-wide cache.
    public static func site() -> String {
        html(title: "Site-wide cached page", body: renderedAt + "<p>Reload: the time does not change for 10 minutes.</p>")
    }

    /// `/per-route`, cached by its route alone.
    public static func perRoute() -> String {
        html(title: "Per-route cached page", body: renderedAt + "<p>Cached for 30 seconds by this route alone.</p>")
    }

    /// `/never`.
    public static func never() -> String {
        html(title: "Never-cache page", body: renderedAt + "<p>Every reload renders again.</p>")
    }

    /// `/private`.
    public static func privatePage() -> String {
        html(title: "Private page", body: renderedAt + "<p>Your browser may keep this for 60 s; shared caches may not.</p>")
    }

    /// `/account`: names the user of a `Basic` `Authorization` value. The
    /// site-wide cache adds `Vary: Authorization` to requests that carry one
    /// (Django's UpdateCacheMiddleware), so each user's copy is their own.
    public static func account(authorization: String?) -> String {
        let name = basicUser(authorization) ?? "anonymous"
        return html(title: "Your account", body: renderedAt + "<p>Signed in as \(escape(name)).</p>")
    }

    /// `/hello`, one copy per `Accept-Language`.
    public static func hello(acceptLanguage: String?) -> String {
        let language = acceptLanguage?.split(separator: ",").first.map(String.init) ?? "en"
        let greeting = language.hasPrefix("fr") ? "Bonjour" : language.hasPrefix("de") ? "Hallo" : "Hello"
        return html(title: greeting, body: renderedAt + "<p>One cached copy per Accept-Language (\(escape(language))).</p>")
    }

    /// The article's version and modification time (a real app reads its database).
    public static let articleVersion = "article-v3"
    /// When the article last changed.
    public static let articleModified = Date(timeIntervalSince1970: 1_735_689_600)

    /// `/article`, behind a condition on ``articleVersion`` and ``articleModified``.
    public static func article() -> String {
        html(title: "ETag / Last-Modified", body: renderedAt
            + "<p>ETag \"\(articleVersion)\". Try <code>curl -i -H 'If-None-Match: \"\(articleVersion)\"'</code>: 304.</p>")
    }

    /// `/fibonacci?n=`: fibonacci(n) memoized with `getOrSet` for 60 s; `n`
    /// is clamped to 0...90 (80 when missing or not a number).
    public static func fibonacci(query: String?, cache: Cache) async throws -> String {
        let n = min(max(queryValue("n", in: query).flatMap { Int($0) } ?? 80, 0), 90)
        let clock = ContinuousClock()
        var computed = false
        let started = clock.now
        let value = try await cache.getOrSet("fibonacci:\(n)", timeout: .seconds(60)) {
            computed = true
            return try await slowFibonacci(n)
        }
        let elapsed = clock.now - started
        let how = computed ? "computed (slowly)" : "read from the cache"
        return html(title: "Memoized computation",
                    body: "<p>fibonacci(\(n)) = \(value), \(how) in \(elapsed.formatted(.units(allowed: [.milliseconds])))</p>")
    }

    /// Fibonacci with a deliberate delay standing in for real work.
    public static func slowFibonacci(_ n: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(500))
        var (a, b) = (0, 1)
        for _ in 0..<n { (a, b) = (b, a &+ b) }
        return a
    }

    /// `/products/<id>`: a page the page cache stores with the tags
    /// ``productTags(id:)`` (declared in `Cache-Tag`), for ``productCacheControl``.
    public static func product(id: String) -> String {
        html(title: "Product \(escape(id))", body: renderedAt + "<p>Tagged <code>product:\(escape(id))</code>: cached until that tag is invalidated.</p>")
    }

    /// The tags of `/products/<id>`.
    public static func productTags(id: String) -> [String] {
        ["product:\(id)", "products"]
    }

    /// The `Cache-Control` of `/products/<id>`: stored in both page-cache modes.
    public static let productCacheControl = "max-age=60"

    /// The value of `name` in a query string (`a=1&b=2`), percent-decoded.
    public static func queryValue(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name {
                return parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding : ""
            }
        }
        return nil
    }

    /// The request's language for the page cache's `useI18N` key suffix: the
    /// first `Accept-Language` tag (a real app might read a cookie or a URL prefix).
    @Sendable public static func language(_ request: HTTPRequest) -> String? {
        request.headerFields[.acceptLanguage]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// The user name of a `Basic` Authorization value, if any.
    public static func basicUser(_ authorization: String?) -> String? {
        guard let authorization, authorization.hasPrefix("Basic "),
              let data = Data(base64Encoded: String(authorization.dropFirst(6))) else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).first.map(String.init)
    }
}
