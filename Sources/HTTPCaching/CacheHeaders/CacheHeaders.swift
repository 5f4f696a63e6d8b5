import Foundation
import HTTPTypes
import Logging

/// django-cache-headers' middleware logic, framework-free: sets caching headers
/// for Varnish, nginx and CDNs by URL rule and policy. It never stores anything.
public struct CacheHeaders: Sendable {
    /// A login or logout that happened while handling the request.
    public enum AuthEvent: Sendable, Equatable {
        /// The user logged in; the session expires then (`nil`: at browser close).
        case loggedIn(sessionExpiry: Double?)
        /// The user logged out.
        case loggedOut
    }

    /// What to answer.
    public enum Outcome: Sendable, Equatable {
        /// The (possibly patched) response.
        case respond
        /// 400 with this message (a malformed session cookie, tampering).
        case badRequest(String)
        /// 302 to this location (cache-busting after a flash message).
        case redirect(String)
    }

    /// The settings.
    public let configuration: CacheHeadersConfiguration
    let logger: Logger

    /// The cookie that tells reverse proxies a visitor is logged in.
    public static let authenticatedCookie = "isauthenticated"

    /// The logic for `configuration`.
    public init(configuration: CacheHeadersConfiguration, logger: Logger = Logger(label: "swift-caching.cache-headers")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Processes a response (the package's `process_response`, step by step).
    ///
    /// - Parameters:
    ///   - request: the request the response answers (its path, method and cookies).
    ///   - response: the response, whose header fields are set in place.
    ///   - user: the request's user; `nil` leaves the response untouched.
    ///   - event: a login or logout during this request.
    ///   - hasMessages: whether flash messages are pending for the user.
    ///   - now: the current time, seconds since 1970 (for `Last-Modified`).
    public func process(
        _ request: HTTPRequest, response: inout HTTPResponse, user: CacheHeadersUser?, event: AuthEvent? = nil,
        hasMessages: Bool = false, now: Double
    ) -> Outcome {
        guard configuration.isEnabled, let user else { return .respond }
        if let event {
            // A login during the request means the user is now authenticated.
            switch event {
            case .loggedIn(let expiry):
                var cookie = "\(Self.authenticatedCookie)=1; Path=/"
                if let expiry { cookie += "; expires=\(HTTPDate.format(expiry))" }
                response.headerFields.append(HTTPField(name: .setCookie, value: cookie))
            case .loggedOut:
                response.headerFields.append(HTTPField(
                    name: .setCookie, value: "\(Self.authenticatedCookie)=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"))
            }
        }
        if response.headerFields[.cacheControl] != nil { return .respond }
        guard response.status.code == 200 else { return .respond }
        response.headerFields[.cacheControl] = "no-cache"
        if event != nil { return .respond }

        let cookies = Self.cookies(request.headerFields)
        if let session = cookies[configuration.sessionCookieName], !session.isEmpty, session.count < 8 {
            return .badRequest("User has an invalid sessionid")
        }
        if configuration.enableTamperingChecks {
            let flag = cookies[Self.authenticatedCookie] ?? ""
            if !user.isAuthenticated, !flag.isEmpty {
                return .badRequest("User is anonymous but sent an isauthenticated cookie")
            }
            if user.isAuthenticated, flag != "1" {
                return .badRequest("User is authenticated, but did not send valid isauthenticated cookie")
            }
        }
        guard request.method == .get || request.method == .head else { return .respond }
        if response.headerFields[.setCookie] != nil {
            logger.warning("cache headers: \(request.path ?? "/") sets a cookie, so it is not made cacheable")
            return .respond
        }
        let fullPath = request.path ?? "/"
        guard let rule = configuration.rule(for: fullPath), rule.seconds > 0 else { return .respond }
        if fullPath.contains("dch-uuid=") { return .respond }
        if hasMessages {
            let separator = fullPath.contains("?") ? "&" : "?"
            return .redirect(fullPath + separator + "dch-uuid=" + UUID().uuidString.lowercased())
        }
        guard let policy = configuration.policies[rule.policy] else { return .respond }
        let context = CacheHeadersPolicyContext(
            request: request, user: user, age: rule.seconds, browserCacheSeconds: configuration.browserCacheSeconds,
            sessionCookieName: configuration.sessionCookieName, now: now)
        policy(&response.headerFields, context)
        return .respond
    }

    /// The request's cookies by name (the first of a repeated name).
    public static func cookies(_ fields: HTTPFields) -> [String: String] {
        var cookies: [String: String] = [:]
        for line in fields[values: .cookie] {
            for pair in line.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                let name = parts.first.map { String($0.trimmingHTTPWhitespace()) } ?? ""
                guard !name.isEmpty, cookies[name] == nil else { continue }
                cookies[name] = parts.count > 1 ? String(parts[1].trimmingHTTPWhitespace()) : ""
            }
        }
        return cookies
    }

    /// The Varnish `vcl_hash` for the rules (`manage.py generate_vcl`): each
    /// rule sets `Hash-Cookies` to its policy's `X-Hash-Cookies` (found by running
    /// the policy on an anonymous GET /), and only those cookies enter the hash.
    public func varnishHashVCL() -> String {
        var vcl = """
            sub vcl_hash {
                # Generated by swift-caching (cachectl generate-vcl). Requests are hashed
                # with cookies present; only the cookies named by the URL's policy
                # (Hash-Cookies) enter the hash.

            """
        for (index, rule) in configuration.rules.enumerated() {
            var fields = HTTPFields()
            let context = CacheHeadersPolicyContext(
                request: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/"), user: .anonymous,
                age: rule.seconds, browserCacheSeconds: configuration.browserCacheSeconds,
                sessionCookieName: configuration.sessionCookieName, now: 0)
            configuration.policies[rule.policy]?(&fields, context)
            let hashCookies = fields[BuiltInCacheHeadersPolicies.xHashCookies] ?? ""
            vcl += "    \(index == 0 ? "if" : "else if") (req.url ~ {\"\(rule.pattern)\"}) {\n"
            vcl += "        set req.http.Hash-Cookies = \"\(hashCookies)\";\n    }\n"
        }
        let session = configuration.sessionCookieName
        vcl += """

                set req.http.Hash-Value = "x";
                if (req.http.Hash-Cookies ~ "messages" && req.http.Cookie ~ "(^|;\\s*)messages=") {
                    set req.http.Hash-Value = req.http.Hash-Value + regsub(req.http.Cookie, "^(.*;\\s*)?messages=([^;]*).*$", "\\2");
                }
                if (req.http.Hash-Cookies == "messages|isauthenticated") {
                    if (req.http.Cookie ~ "(^|;\\s*)isauthenticated=1") {
                        set req.http.Hash-Value = req.http.Hash-Value + "1";
                    }
                } elsif (req.http.Hash-Cookies == "messages|\(session)") {
                    if (req.http.Cookie ~ "(^|;\\s*)\(session)=") {
                        set req.http.Hash-Value = req.http.Hash-Value + regsub(req.http.Cookie, "^(.*;\\s*)?\(session)=([^;]*).*$", "\\2");
                    }
                }
                hash_data(req.http.Hash-Value);
                unset req.http.Hash-Cookies;
                unset req.http.Hash-Value;
            }

            """
        return vcl
    }
}
