import Caching
import Foundation
import Hummingbird
import Mustache
import MustacheCaching

extension DemoSite {
    static let fragmentTemplate = """
        <p>The main column renders on every request: {{now}}.</p>
        <aside style="border:1px solid #888;padding:0 1em">
        {{#cache}}30 sidebar {{section}}
        <h2>Sidebar ({{section}})</h2><p>Rendered at {{sidebarTime}}; cached for 30 s by <code>{{=<% %>=}}{{#cache}}30 sidebar {{section}}<%={{ }}=%></code>.</p>
        {{/cache}}
        </aside>
        """

    /// A page whose sidebar is a cached template fragment.
    func addFragmentRoutes(to router: Router<BasicRequestContext>) throws {
        let template = try MustacheTemplate(string: Self.fragmentTemplate)
        let renderer = MustacheFragmentRenderer(caches: caches)
        router.get("/fragment", use: RouteCachingDemo.uncached { request, _ in
            let section = request.uri.queryParameters.get("section") ?? "news"
            let now = Date().formatted(.iso8601)
            let body = try await renderer.render(template, ["now": now, "section": section, "sidebarTime": now])
            return DemoHTML.page(title: "Cached fragment", body: body)
        })
    }
}

/// The fragment page must render each time for the demo to show the sidebar's cache.
enum RouteCachingDemo {
    static func uncached<Output: ResponseGenerator>(
        _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Output
    ) -> @Sendable (Request, BasicRequestContext) async throws -> Response {
        { request, context in
            var response = try await handler(request, context).response(from: request, context: context)
            response.headers[.cacheControl] = "no-cache"
            return response
        }
    }
}
