import Caching

/// django-cache-headers' settings: URL rules, policies, browser seconds,
/// tampering checks. Rules are kept longest pattern first, as the package sorts
/// them; the first that matches the start of path+query wins.
public struct CacheHeadersConfiguration: Sendable {
    /// The rules, longest pattern first.
    public let rules: [CacheHeadersRule]
    /// Policies by name: the built-ins, overridden or extended by the app's.
    public let policies: [String: CacheHeadersPolicy]
    /// `browser-cache-seconds` (default 5).
    public var browserCacheSeconds: Int
    /// `enable-tampering-checks` (default off).
    public var enableTamperingChecks: Bool
    /// The session cookie's name (Django's `SESSION_COOKIE_NAME`).
    public var sessionCookieName: String
    /// Off: responses are left untouched (Django skips the middleware with `DEBUG`).
    public var isEnabled: Bool

    /// Settings built in code. A rule naming an unknown policy is an error that
    /// names the rule.
    public init(
        rules: [CacheHeadersRule], policies: [String: CacheHeadersPolicy] = [:], browserCacheSeconds: Int = 5,
        enableTamperingChecks: Bool = false, sessionCookieName: String = "sessionid", isEnabled: Bool = true
    ) throws {
        let merged = BuiltInCacheHeadersPolicies.all.merging(policies) { _, custom in custom }
        for rule in rules where merged[rule.policy] == nil {
            throw CacheConfigurationError(
                "The cache-headers rule \"\(rule.pattern)\" names the policy \"\(rule.policy)\", which is neither built in "
                    + "(\(BuiltInCacheHeadersPolicies.all.keys.sorted().joined(separator: ", "))) nor registered")
        }
        // Stable sort: longest pattern source first.
        self.rules = rules.enumerated().sorted {
            $0.element.pattern.count != $1.element.pattern.count ? $0.element.pattern.count > $1.element.pattern.count : $0.offset < $1.offset
        }.map(\.element)
        self.policies = merged
        self.browserCacheSeconds = browserCacheSeconds
        self.enableTamperingChecks = enableTamperingChecks
        self.sessionCookieName = sessionCookieName
        self.isEnabled = isEnabled
    }

    /// Reads the `cacheHeaders` section of a settings document:
    ///
    /// ```json
    /// "cacheHeaders": {
    ///   "timeouts": { "all-users": { "600": ["^/news/"] }, "per-user": { "60": ["^/account/"] } },
    ///   "browserCacheSeconds": 100, "enableTamperingChecks": true, "sessionCookieName": "sessionid"
    /// }
    /// ```
    ///
    /// Custom policies are closures, so they are passed in code. A missing section
    /// means no rules.
    public init(document: JSONValue, policies: [String: CacheHeadersPolicy] = [:]) throws {
        guard let section = document["cacheHeaders"] else {
            try self.init(rules: [], policies: policies)
            return
        }
        guard case .object(let members) = section else {
            throw CacheConfigurationError("\"cacheHeaders\" must be an object, not \(section.kind)")
        }
        var rules: [CacheHeadersRule] = []
        var browserSeconds = 5, tampering = false, sessionCookie = "sessionid"
        for (name, value) in members {
            switch (name, value) {
            case ("timeouts", .object(let byPolicy)):
                for (policy, bySeconds) in byPolicy {
                    guard case .object(let groups) = bySeconds else {
                        throw CacheConfigurationError("cacheHeaders.timeouts.\(policy) must map seconds to lists of patterns")
                    }
                    for (secondsText, patterns) in groups {
                        guard let seconds = Int(secondsText), case .array(let list) = patterns else {
                            throw CacheConfigurationError(
                                "cacheHeaders.timeouts.\(policy).\(secondsText): the key must be whole seconds and the value a list of patterns")
                        }
                        for pattern in list {
                            guard case .string(let source) = pattern else {
                                throw CacheConfigurationError("cacheHeaders.timeouts.\(policy).\(secondsText): patterns must be strings, not \(pattern.kind)")
                            }
                            rules.append(try CacheHeadersRule(pattern: source, seconds: seconds, policy: policy))
                        }
                    }
                }
            case ("browserCacheSeconds", .number(let seconds)), ("browser-cache-seconds", .number(let seconds)):
                guard let whole = Int(exactly: seconds) else {
                    throw CacheConfigurationError("cacheHeaders.browserCacheSeconds must be a whole number of seconds, not \(seconds)")
                }
                browserSeconds = whole
            case ("enableTamperingChecks", .bool(let on)), ("enable-tampering-checks", .bool(let on)):
                tampering = on
            case ("sessionCookieName", .string(let cookie)):
                sessionCookie = cookie
            default:
                throw CacheConfigurationError(
                    "Unknown or mistyped cacheHeaders setting \"\(name)\" (\(value.kind)); known: timeouts, browserCacheSeconds, enableTamperingChecks, sessionCookieName")
            }
        }
        // Dictionary order is not the file's; sort patterns for a stable tie order.
        rules.sort { ($0.pattern, $0.policy) < ($1.pattern, $1.policy) }
        try self.init(
            rules: rules, policies: policies, browserCacheSeconds: browserSeconds,
            enableTamperingChecks: tampering, sessionCookieName: sessionCookie)
    }

    /// The first rule matching `fullPath` (path and query).
    public func rule(for fullPath: String) -> CacheHeadersRule? {
        rules.first { $0.matches(fullPath) }
    }
}
