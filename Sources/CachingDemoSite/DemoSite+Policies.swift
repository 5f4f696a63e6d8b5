import CachingDemoContent
import HTTPCaching
import Hummingbird
import HummingbirdCaching

extension DemoSite {
    /// The policy-driven pages, with login and logout.
    func addPolicyRoutes(to router: Router<BasicRequestContext>) throws {
        let group = router.group("policies").add(middleware: CacheHeadersMiddleware(
            try DemoPolicies.configuration(caches.settings),
            user: { request, _ in DemoPolicies.user(request.headers) },
            event: { _, response in DemoPolicies.event(response.headers) }))
        for policy in DemoPolicies.names {
            group.get(RouterPath(stringLiteral: policy)) { request, _ in DemoHTML.response(DemoPolicies.page(policy, request.headers)) }
        }
        group.post("login") { _, _ in Response(status: .seeOther, headers: DemoPolicies.loginFields()) }
        group.post("logout") { _, _ in Response(status: .seeOther, headers: DemoPolicies.logoutFields()) }
    }
}
