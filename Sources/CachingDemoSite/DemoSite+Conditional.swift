import Foundation
import HTTPCaching
import Hummingbird
import HummingbirdCaching

extension DemoSite {
    /// The article's version and modification time (a real app reads its database).
    static let articleVersion = "article-v3"
    static let articleModified = Date(timeIntervalSince1970: 1_735_689_600)

    /// A page with validators: conditional requests skip the handler.
    func addConditionalRoutes(to router: Router<BasicRequestContext>) {
        router.get("/article", use: RouteCaching.condition(
            etag: { _, _ in Self.articleVersion }, lastModified: { _, _ in Self.articleModified }
        ) { (_: Request, _: BasicRequestContext) in
            DemoHTML.page(title: "ETag / Last-Modified", body: DemoHTML.renderedAt
                + "<p>ETag \"\(Self.articleVersion)\". Try <code>curl -i -H 'If-None-Match: \"\(Self.articleVersion)\"'</code>: 304.</p>")
        })
    }
}
