import Caching
import CachingDemoContent
import HTTPCaching
import Hummingbird
import HummingbirdCaching

/// The demo's routes (`caching-demo` serves them; the tests drive them
/// in-process). Each page group registers itself from its own file; the
/// pages themselves are ``CachingDemoContent/DemoPages``, which the Vapor demo
/// serves too.
public struct DemoSite: Sendable {
    let caches: Caches

    /// The demo on `caches`.
    public init(caches: Caches) {
        self.caches = caches
    }

    /// The URL rules of the demo's policy pages (``CachingDemoContent/DemoPolicies/configuration(_:)``).
    public static func policyConfiguration(_ settings: CacheSettings) throws -> CacheHeadersConfiguration {
        try DemoPolicies.configuration(settings)
    }

    /// Every page of the demo; wrap it in `CachingResponder` for the site-wide cache.
    public func router() throws -> Router<BasicRequestContext> {
        let router = Router()
        // The site-wide cache wraps the whole router (see CachingDemo.run) in
        // Django's order — update, conditional GET, fetch — so it sees the
        // headers every layer adds and cached pages are answered 304 too.
        router.get("/") { _, _ in DemoHTML.response(DemoPages.home()) }
        addPageCachingRoutes(to: router)
        addConditionalRoutes(to: router)
        addMemoizationRoutes(to: router)
        try addPolicyRoutes(to: router)
        try addFragmentRoutes(to: router)
        addSlowRoutes(to: router)
        return router
    }
}
