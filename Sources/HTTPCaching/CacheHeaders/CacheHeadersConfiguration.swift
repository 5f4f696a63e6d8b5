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
        guard let section = document[Self.section] else {
            try self.init(rules: [], policies: policies)
            return
        }
        guard case .object(let members) = section else {
            throw CacheConfigurationError("must be an object such as {\"timeouts\": {...}}, not \(section.quoted)", path: Self.section)
        }
        let known = BuiltInCacheHeadersPolicies.all.merging(policies) { _, custom in custom }
        var rules: [CacheHeadersRule] = []
        var browserSeconds = 5, tampering = false, sessionCookie = "sessionid"
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            let path = SettingsMembers.path(Self.section, name)
            switch (name, value) {
            case ("timeouts", .object(let byPolicy)):
                for (policy, bySeconds) in byPolicy.sorted(by: { $0.key < $1.key }) {
                    let policyPath = SettingsMembers.path(path, policy)
                    guard known[policy] != nil else {
                        var error = SettingsMembers.unknown(policy, known: Array(known.keys), at: path, kind: "policy")
                        error.problem += " (an application's own policies are passed in code: CacheHeadersConfiguration(document:policies:))"
                        throw error
                    }
                    guard case .object(let groups) = bySeconds else {
                        throw CacheConfigurationError(
                            "must map seconds to lists of patterns, such as {\"600\": [\"^/news/\"]}, not \(bySeconds.quoted)", path: policyPath)
                    }
                    for (secondsText, patterns) in groups.sorted(by: { $0.key < $1.key }) {
                        let groupPath = SettingsMembers.path(policyPath, secondsText)
                        guard let seconds = Int(secondsText), seconds >= 0 else {
                            throw CacheConfigurationError(
                                "the key \"\(secondsText)\" must be a whole number of seconds, such as \"600\"", path: groupPath)
                        }
                        guard case .array(let list) = patterns else {
                            throw CacheConfigurationError("must be a list of URL patterns, such as [\"^/news/\"], not \(patterns.quoted)", path: groupPath)
                        }
                        for (position, pattern) in list.enumerated() {
                            let patternPath = groupPath + "[\(position)]"
                            guard case .string(let source) = pattern else {
                                throw CacheConfigurationError("must be a URL pattern (a string), not \(pattern.quoted)", path: patternPath)
                            }
                            do {
                                rules.append(try CacheHeadersRule(pattern: source, seconds: seconds, policy: policy))
                            } catch let error as CacheConfigurationError {
                                throw error.atPath(patternPath)
                            }
                        }
                    }
                }
            case ("browserCacheSeconds", .number), ("browser-cache-seconds", .number):
                browserSeconds = try SettingsMembers.integer(value, at: path, minimum: 0)
            case ("enableTamperingChecks", .bool(let on)), ("enable-tampering-checks", .bool(let on)):
                tampering = on
            case ("sessionCookieName", .string(let cookie)):
                sessionCookie = cookie
            default:
                throw SettingsMembers.rejected(name, value, members: Self.members, at: Self.section)
            }
        }
        // Dictionary order is not the file's; sort patterns for a stable tie order.
        rules.sort { ($0.pattern, $0.policy) < ($1.pattern, $1.policy) }
        try self.init(
            rules: rules, policies: policies, browserCacheSeconds: browserSeconds,
            enableTamperingChecks: tampering, sessionCookieName: sessionCookie)
    }

    /// The name of this section in a settings file (declared in
    /// `CacheSettings.packageSections`).
    public static let section = "cacheHeaders"

    /// The members of the `cacheHeaders` section and what each must be, for the
    /// errors that name an unknown or mistyped one (django-cache-headers'
    /// dashed spellings are accepted too). Add one line per member.
    public static let members: [String: String] = [
        "timeouts": "an object mapping policies to {\"seconds\": [patterns]}",
        "browserCacheSeconds": "a whole number of seconds",
        "browser-cache-seconds": "a whole number of seconds",
        "enableTamperingChecks": "true or false",
        "enable-tampering-checks": "true or false",
        "sessionCookieName": "a string",
    ]

    /// The first rule matching `fullPath` (path and query).
    public func rule(for fullPath: String) -> CacheHeadersRule? {
        rules.first { $0.matches(fullPath) }
    }
}
