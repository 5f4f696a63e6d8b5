import CachingDemoContent
import Hummingbird
import HummingbirdCaching

extension DemoSite {
    /// `/slow/<id>`: a page in flight for as long as asked, to watch a
    /// graceful shutdown drain it (``CachingDemoContent/DemoPages/slow(id:query:caches:)``).
    func addSlowRoutes(to router: Router<BasicRequestContext>) {
        let caches = self.caches
        router.get("/slow/:id", use: RouteCaching.neverCache { request, context in
            let id = try context.parameters.require("id")
            return DemoHTML.response(try await DemoPages.slow(id: id, query: request.uri.query, caches: caches))
        })
    }
}
