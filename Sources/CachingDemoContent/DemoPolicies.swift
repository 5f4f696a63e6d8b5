import Caching
import Foundation
import HTTPCaching
import HTTPTypes

/// The demo's URL-policy pages (django-cache-headers): their rules, who the
/// reader is, and what each page may say about them.
public enum DemoPolicies {
    /// The four policies, one page each under `/policies/`.
    public static let names = ["all-users", "anonymous-only", "anonymous-and-authenticated", "per-user"]

    /// The header a login or logout response carries for the middleware.
    public static let authEventHeader = HTTPField.Name("X-Demo-Auth-Event") ?? .via

    /// The URL rules of the policy pages, unless the settings file has a
    /// `cacheHeaders` section of its own.
    public static func configuration(_ settings: CacheSettings) throws -> CacheHeadersConfiguration {
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

    /// The demo's "authentication": a `sessionid` cookie of 8 or more
    /// characters is a logged-in user. A real app asks its session store.
    public static func user(_ fields: HTTPFields) -> CacheHeadersUser {
        let session = CacheHeaders.cookies(fields)["sessionid"] ?? ""
        return session.count >= 8 ? CacheHeadersUser(isAuthenticated: true, name: "demo") : .anonymous
    }

    /// The login or logout a response reports through ``authEventHeader``.
    public static func event(_ response: HTTPFields) -> CacheHeaders.AuthEvent? {
        switch response[authEventHeader] {
        case "login": return .loggedIn(sessionExpiry: nil)
        case "logout": return .loggedOut
        default: return nil
        }
    }

    /// What a policy page may say about its reader: only what the policy's
    /// shared-cache key covers. An `all-users` page is one copy for everyone,
    /// so it names nobody; `anonymous-and-authenticated` is keyed on the
    /// `isauthenticated` cookie, so it may say which of the two the reader is;
    /// `per-user` pages (and `anonymous-only` pages for logged-in users, which
    /// are `no-cache`) may name the session.
    public static func greeting(_ policy: String, _ fields: HTTPFields) -> String {
        let user = user(fields)
        let session = DemoPages.escape(CacheHeaders.cookies(fields)["sessionid"] ?? "")
        switch policy {
        case "all-users":
            return "This page is the same for every reader."
        case "anonymous-and-authenticated":
            return user.isAuthenticated ? "You are logged in." : "You are anonymous."
        default:
            return user.isAuthenticated ? "You are logged in (session \(session))." : "You are anonymous."
        }
    }

    /// The page of `policy` for a request with `fields`.
    public static func page(_ policy: String, _ fields: HTTPFields) -> String {
        DemoPages.html(title: "Policy: \(policy)", body: DemoPages.renderedAt
            + "<p>" + greeting(policy, fields) + " See Cache-Control, X-Accel-Expires and X-Hash-Cookies; "
            + "<code>cachectl generate-vcl</code> prints the Varnish hash for these rules.</p>"
            + "<form method=post action=/policies/login><button>Log in</button></form>"
            + "<form method=post action=/policies/logout><button>Log out</button></form>")
    }

    /// The `303 See Other` fields of `POST /policies/login`: a new session.
    public static func loginFields() -> HTTPFields {
        let session = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return [.location: "/policies/all-users", .setCookie: "sessionid=\(session); Path=/; HttpOnly", authEventHeader: "login"]
    }

    /// The `303 See Other` fields of `POST /policies/logout`.
    public static func logoutFields() -> HTTPFields {
        [.location: "/policies/all-users", .setCookie: "sessionid=; Max-Age=0; Path=/", authEventHeader: "logout"]
    }
}
