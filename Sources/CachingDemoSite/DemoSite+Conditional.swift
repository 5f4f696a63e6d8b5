import CachingDemoContent
import HTTPCaching
import Hummingbird
import HummingbirdCaching

extension DemoSite {
    /// A page with validators: conditional requests skip the handler.
    func addConditionalRoutes(to router: Router<BasicRequestContext>) {
        router.get("/article", use: RouteCaching.condition(
            etag: { _, _ in DemoPages.articleVersion }, lastModified: { _, _ in DemoPages.articleModified }
        ) { (_: Request, _: BasicRequestContext) in DemoHTML.response(DemoPages.article()) })
    }
}
