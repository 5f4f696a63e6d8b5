#if Vapor
import Caching
import CachingDemoContent
import HTTPCaching
import HTTPTypes
import Mustache
import MustacheCaching
import Vapor
import VaporCaching

/// The Vapor demo's routes: the pages of `caching-demo`
/// (``CachingDemoContent/DemoPages``) on Vapor, with VaporCaching's middleware
/// in the places the Hummingbird demo has HummingbirdCaching's.
public struct VaporDemoSite: Sendable {
    let caches: Caches

    /// The demo on `caches`.
    public init(caches: Caches) {
        self.caches = caches
    }

    /// Registers every page on `routes`; put ``VaporCaching/CachingMiddleware``
    /// in the app's middleware for the site-wide cache.
    public func register(on routes: any RoutesBuilder) throws {
        routes.get { _ in Self.page(DemoPages.home()) }
        routes.get("site") { _ in Self.page(DemoPages.site()) }
        routes.cachePage(30, cache: caches.default, keyPrefix: "per-route").get("per-route") { _ in Self.page(DemoPages.perRoute()) }
        routes.neverCache().get("never") { _ in Self.page(DemoPages.never()) }
        routes.cacheControl([.private, .maxAge(60)]).get("private") { _ in Self.page(DemoPages.privatePage()) }
        routes.get("account") { request in Self.page(DemoPages.account(authorization: request.headers.first(name: .authorization))) }
        routes.varyOnHeaders(["Accept-Language"]).get("hello") { request in
            Self.page(DemoPages.hello(acceptLanguage: request.headers.first(name: .acceptLanguage)))
        }
        routes.condition(etag: { _ in DemoPages.articleVersion }, lastModified: { _ in DemoPages.articleModified })
            .get("article") { _ in Self.page(DemoPages.article()) }
        let cache = caches.default
        routes.get("products", ":id") { request in
            // The path, not `parameters`: in the shared mode the page is
            // rendered for the cache's origin request, which has none.
            let id = request.url.path.split(separator: "/").last.map(String.init) ?? ""
            let response = Self.page(DemoPages.product(id: id))
            response.headers.replaceOrAdd(name: .cacheControl, value: DemoPages.productCacheControl)
            response.setCacheTags(DemoPages.productTags(id: id))
            return response
        }
        routes.post("products", ":id", "invalidate") { request in
            let parts = request.url.path.split(separator: "/")
            try await cache.invalidate(tags: ["product:" + (parts.count >= 2 ? String(parts[parts.count - 2]) : "")])
            return Response(status: .ok, body: .init(string: "invalidated"))
        }
        routes.neverCache().get("fibonacci") { request in
            Self.page(try await DemoPages.fibonacci(query: request.url.query, cache: cache))
        }
        let caches = self.caches
        // A page in flight as long as asked, to watch a graceful shutdown drain it.
        routes.neverCache().get("slow", ":id") { request in
            let id = request.url.path.split(separator: "/").last.map(String.init) ?? ""
            return Self.page(try await DemoPages.slow(id: id, query: request.url.query, caches: caches))
        }
        try registerPolicies(on: routes)
        try registerFragment(on: routes)
    }

    /// The URL-policy pages, with login and logout.
    func registerPolicies(on routes: any RoutesBuilder) throws {
        let policies = routes.grouped("policies").grouped(CacheHeadersMiddleware(
            try DemoPolicies.configuration(caches.settings),
            user: { request in DemoPolicies.user(request.cacheHead.headerFields) },
            event: { _, response in DemoPolicies.event(response.cacheHead.headerFields) }))
        for policy in DemoPolicies.names {
            policies.get(PathComponent(stringLiteral: policy)) { request in
                Self.page(DemoPolicies.page(policy, request.cacheHead.headerFields))
            }
        }
        policies.post("login") { _ in Self.redirect(DemoPolicies.loginFields()) }
        policies.post("logout") { _ in Self.redirect(DemoPolicies.logoutFields()) }
    }

    /// A page whose sidebar is a cached template fragment (MustacheCaching: a
    /// `{{#cache}}` section, one `getMany` for the page's fragments). The page
    /// itself is `no-cache`, so the site-wide cache shows the sidebar's own cache.
    func registerFragment(on routes: any RoutesBuilder) throws {
        let template = try MustacheTemplate(string: DemoFragments.template)
        let renderer = MustacheFragmentRenderer(caches: caches)
        routes.get("fragment") { request in
            let rendered = try await renderer.render(template, DemoFragments.values(query: request.url.query))
            let response = Self.page(DemoFragments.page(rendered))
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
            return response
        }
    }

    /// An HTML page as a `200 OK` response.
    static func page(_ html: String) -> Response {
        Response(status: .ok, headers: ["Content-Type": DemoPages.contentType], body: .init(string: html))
    }

    /// A `303 See Other` with `fields`.
    static func redirect(_ fields: HTTPFields) -> Response {
        Response(status: .seeOther, headers: HTTPHeaders(fields))
    }
}
#endif
