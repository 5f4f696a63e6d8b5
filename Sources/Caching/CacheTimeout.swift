/// How long a value lives in the cache, as a caller asks for it.
///
/// The semantics are Django's: `.default` uses the cache's configured default
/// (300 seconds unless set), `.never` never expires, zero stores the value already
/// expired (so `add` still reports success but the value is gone), a negative
/// number of seconds is expired at once, and fractional seconds are allowed.
///
/// Integer and floating-point literals convert, so `timeout: 60` and
/// `timeout: 0.5` both read naturally.
public enum CacheTimeout: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// The cache's default timeout.
    case `default`
    /// The value never expires.
    case never
    /// The value expires after this many seconds (zero or less: at once).
    case seconds(Double)

    public init(integerLiteral value: Int) {
        self = .seconds(Double(value))
    }

    public init(floatLiteral value: Double) {
        self = .seconds(value)
    }

    /// A timeout from a Swift `Duration`.
    public static func duration(_ duration: Duration) -> CacheTimeout {
        let (seconds, attoseconds) = duration.components
        return .seconds(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Resolves `.default` against the cache's default lifetime.
    @inlinable
    public func resolved(default defaultLifetime: CacheLifetime) -> CacheLifetime {
        switch self {
        case .default: return defaultLifetime
        case .never: return .forever
        case .seconds(let seconds): return .seconds(seconds)
        }
    }
}

/// The lifetime a backend is asked to store a value for: the caller's timeout
/// with `.default` already resolved.
///
/// Backends turn it into their own representation: an absolute deadline for the
/// memory, file and database backends, `EX`/`PERSIST` for Redis, memcached's
/// relative-or-absolute exptime.
public enum CacheLifetime: Sendable, Hashable {
    /// Never expires.
    case forever
    /// Expires this many seconds from now; zero or less means already expired.
    case seconds(Double)

    /// The absolute deadline for a value stored at `now`, or `nil` for never.
    ///
    /// Zero maps to `now - 1`, as Django's `get_backend_timeout` does, so the value
    /// is expired even under a test of `expiry < now`.
    @inlinable
    public func deadline(now: Double) -> Double? {
        switch self {
        case .forever: return nil
        case .seconds(let seconds): return seconds == 0 ? now - 1 : now + seconds
        }
    }

    /// Whether a value stored with this lifetime is expired the moment it is stored.
    @inlinable
    public var isImmediatelyExpired: Bool {
        if case .seconds(let seconds) = self { return seconds <= 0 }
        return false
    }
}
