import Caching
import Foundation
import HTTPTypes
import HTTPCaching
import Hummingbird
import HummingbirdCaching
import NIOCore

extension DemoSite {
    /// The URL rules of the demo's policy pages, unless the settings file has a
    /// `cacheHeaders` section of its own.
    static func policyConfiguration(_ settings: CacheSettings) throws -> CacheHeadersConfiguration {
        if settings.document["cacheHeaders"] != nil {
            return try CacheHeadersConfiguration(document: settings.document)
        }
        return try CacheHeadersConfiguration(
            rules: [
                CacheHeadersRule(pattern: "^/policies/all-users", seconds: 600, policy: "all-users"),
                CacheHeadersRule(pattern: "^/policies/anonymous-only", seconds: 600, policy: "anonymous-only"),
                CacheHeadersRule(pattern: "^/policies/anonymous-and-authenticated", seconds: 600, policy: "anonymous-and-authenticated"),
                CacheHeadersRule(pattern: "^/policies/per-user", seconds: 60, policy: "per-user"),
            ],
            browserCacheSeconds: 100)
    }

    /// The demo's "authentication": a `sessionid` cookie of 8 or more characters
    /// is a logged-in user. A real app asks its session store (hummingbird-auth).
    static func user(_ request: Request) -> CacheHeadersUser {
        let session = CacheHeaders.cookies(request.headers)["sessionid"] ?? ""
        return session.count >= 8 ? CacheHeadersUser(isAuthenticated: true, name: "demo") : .anonymous
    }

    static let authEventHeader = HTTPField.Name("X-Demo-Auth-Event") ?? .via

    /// The policy-driven pages, with login and logout.
    func addPolicyRoutes(to router: Router<BasicRequestContext>) throws {
        let group = router.group("policies").add(middleware: CacheHeadersMiddleware(
            try Self.policyConfiguration(caches.settings),
            user: { request, _ in Self.user(request) },
            event: { _, response in
                switch response.headers[Self.authEventHeader] {
                case "login": return .loggedIn(sessionExpiry: nil)
                case "logout": return .loggedOut
                default: return nil
                }
            }))
        for policy in ["all-users", "anonymous-only", "anonymous-and-authenticated", "per-user"] {
            group.get(RouterPath(stringLiteral: policy)) { request, _ in
                let user = Self.user(request)
                let session = CacheHeaders.cookies(request.headers)["sessionid"] ?? ""
                let who = user.isAuthenticated ? "logged in (session \(DemoHTML.escape(session)))" : "anonymous"
                return DemoHTML.page(title: "Policy: \(policy)", body: DemoHTML.renderedAt
                    + "<p>You are \(who). See Cache-Control, X-Accel-Expires and X-Hash-Cookies; "
                    + "<code>cachectl generate-vcl</code> prints the Varnish hash for these rules.</p>"
                    + "<form method=post action=/policies/login><button>Log in</button></form>"
                    + "<form method=post action=/policies/logout><button>Log out</button></form>")
            }
        }
        group.post("login") { _, _ in
            let session = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            return Response(status: .seeOther, headers: [
                .location: "/policies/all-users", .setCookie: "sessionid=\(session); Path=/; HttpOnly", Self.authEventHeader: "login",
            ])
        }
        group.post("logout") { _, _ in
            Response(status: .seeOther, headers: [
                .location: "/policies/all-users", .setCookie: "sessionid=; Max-Age=0; Path=/", Self.authEventHeader: "logout",
            ])
        }
    }
}
