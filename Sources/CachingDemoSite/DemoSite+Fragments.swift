import CachingDemoContent
import Hummingbird
import Mustache
import MustacheCaching

extension DemoSite {
    /// A page whose sidebar is a cached template fragment. The page itself is
    /// `no-cache`, so that the site-wide cache shows the sidebar's own cache.
    func addFragmentRoutes(to router: Router<BasicRequestContext>) throws {
        let template = try MustacheTemplate(string: DemoFragments.template)
        let renderer = MustacheFragmentRenderer(caches: caches)
        router.get("/fragment") { request, _ in
            let rendered = try await renderer.render(template, DemoFragments.values(query: request.uri.query))
            var response = DemoHTML.response(DemoFragments.page(rendered))
            response.headers[.cacheControl] = "no-cache"
            return response
        }
    }
}
