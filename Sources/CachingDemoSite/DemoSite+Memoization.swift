import CachingDemoContent
import Hummingbird
import HummingbirdCaching

extension DemoSite {
    /// The low-level API: a slow computation memoized with getOrSet.
    func addMemoizationRoutes(to router: Router<BasicRequestContext>) {
        let cache = caches.default
        router.get("/fibonacci", use: RouteCaching.neverCache { request, _ in
            DemoHTML.response(try await DemoPages.fibonacci(query: request.uri.query, cache: cache))
        })
    }
}
