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
    public static func policyConfiguration(_ settings: CacheSettings) throws -> CacheHeadersConfiguration {
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

    /// What a policy page may say about its reader: only what the policy's
    /// shared-cache key covers. An `all-users` page is one copy for everyone,
    /// so it names nobody; `anonymous-and-authenticated` is keyed on the
    /// `isauthenticated` cookie, so it may say which of the two the reader is;
    /// `per-user` pages (and `anonymous-only` pages for logged-in users, which
    /// are `no-cache`) may name the session.
    static func policyGreeting(_ policy: String, _ request: Request) -> String {
        let user = Self.user(request)
        let session = DemoHTML.escape(CacheHeaders.cookies(request.headers)["sessionid"] ?? "")
        switch policy {
        case "all-users":
            return "This page is the same for every reader."
        case "anonymous-and-authenticated":
            return user.isAuthenticated ? "You are logged in." : "You are anonymous."
        default:
            return user.isAuthenticated ? "You are logged in (session \(session))." : "You are anonymous."
        }
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
                DemoHTML.page(title: "Policy: \(policy)", body: DemoHTML.renderedAt
                    + "<p>" + Self.policyGreeting(policy, request) + " See Cache-Control, X-Accel-Expires and X-Hash-Cookies; "
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
