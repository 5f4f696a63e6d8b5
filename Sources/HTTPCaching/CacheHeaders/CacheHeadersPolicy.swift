import HTTPTypes

/// What a URL policy is given: the request, the user, the rule's age (its
/// seconds) and the settings it reads.
public struct CacheHeadersPolicyContext: Sendable {
    /// The request.
    public var request: HTTPRequest
    /// The user.
    public var user: CacheHeadersUser
    /// The matched rule's seconds: how long shared caches may keep the page.
    public var age: Int
    /// How long browsers may keep it (`browser-cache-seconds`).
    public var browserCacheSeconds: Int
    /// The session cookie's name (`SESSION_COOKIE_NAME`).
    public var sessionCookieName: String
    /// The current time, seconds since 1970 (for `Last-Modified`).
    public var now: Double
}

/// A URL policy: sets the response's caching headers (django-cache-headers'
/// policy callables). When it is called, `Cache-Control` is already `no-cache`.
public typealias CacheHeadersPolicy = @Sendable (_ fields: inout HTTPFields, _ context: CacheHeadersPolicyContext) -> Void

/// The four built-in policies, with the package's exact headers.
public enum BuiltInCacheHeadersPolicies {
    static let xAccelExpires = HTTPField.Name("X-Accel-Expires") ?? .expires
    static let xHashCookies = HTTPField.Name("X-Hash-Cookies") ?? .cookie

    /// The cacheable header set: `Last-Modified` now, `X-Accel-Expires: A`,
    /// `Cache-Control: max-age=B, s-maxage=A`, `Vary: Accept-Encoding,Cookie`.
    public static func setCacheable(_ fields: inout HTTPFields, _ context: CacheHeadersPolicyContext) {
        fields[.lastModified] = HTTPDate.format(context.now)
        fields[xAccelExpires] = String(context.age)
        fields[.cacheControl] = "max-age=\(context.browserCacheSeconds), s-maxage=\(context.age)"
        fields[.vary] = "Accept-Encoding,Cookie"
    }

    /// `all-users`: cached once for everyone.
    public static let allUsers: CacheHeadersPolicy = { fields, context in
        setCacheable(&fields, context)
        fields[xHashCookies] = "messages"
    }

    /// `anonymous-only`: cached for anonymous users; logged-in users get `no-cache`.
    public static let anonymousOnly: CacheHeadersPolicy = { fields, context in
        if context.user.isAuthenticated {
            fields[.cacheControl] = "no-cache"
        } else {
            setCacheable(&fields, context)
        }
        fields[xHashCookies] = "messages|isauthenticated"
        fields[.vary] = "Accept-Encoding,Cookie"
    }

    /// `anonymous-and-authenticated`: one copy for anonymous users, one for logged-in users.
    public static let anonymousAndAuthenticated: CacheHeadersPolicy = { fields, context in
        setCacheable(&fields, context)
        fields[xHashCookies] = "messages|isauthenticated"
    }

    /// `per-user`: one copy per session cookie value.
    public static let perUser: CacheHeadersPolicy = { fields, context in
        setCacheable(&fields, context)
        fields[xHashCookies] = "messages|" + context.sessionCookieName
    }

    /// The built-ins by name.
    public static let all: [String: CacheHeadersPolicy] = [
        "all-users": allUsers, "anonymous-only": anonymousOnly,
        "anonymous-and-authenticated": anonymousAndAuthenticated, "per-user": perUser,
    ]
}
