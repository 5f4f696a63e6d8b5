/// Who made a request, as the URL-policy headers need to know: supplied by the
/// application (its authentication), since this module knows no framework.
public struct CacheHeadersUser: Sendable, Equatable {
    /// Whether the user is logged in.
    public var isAuthenticated: Bool
    /// The user's name, for custom policies.
    public var name: String?

    /// A user.
    public init(isAuthenticated: Bool, name: String? = nil) {
        self.isAuthenticated = isAuthenticated
        self.name = name
    }

    /// An anonymous visitor.
    public static let anonymous = CacheHeadersUser(isAuthenticated: false)
}
