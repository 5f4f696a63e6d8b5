import Caching

/// memcached's `exptime`: how a `CacheLifetime` is sent.
///
/// As Django's memcached backends send it: never → 0 (memcached's "never");
/// zero or negative → -1, which memcached stores already expired (so `set`
/// removes the old value and `add` reports success with nothing retrievable);
/// up to 30 days → relative seconds; longer → an absolute Unix time, because
/// memcached reads any larger number as one. Fractions of a second are
/// rounded up (Django truncates, which turns 0.5 s into "expired at once"), so
/// a positive lifetime always stores the value.
enum MemcachedExpiry {
    /// The longest relative exptime memcached accepts.
    static let maximumRelative = 60 * 60 * 24 * 30
    /// The latest absolute time sent (memcached keeps times in 32 bits).
    static let latestAbsolute = Int(Int32.max)

    /// The exptime for a value stored at `now` (Unix seconds).
    static func exptime(_ lifetime: CacheLifetime, now: Double) -> Int {
        switch lifetime {
        case .forever:
            return 0
        case .seconds(let seconds):
            guard seconds > 0 else { return -1 }
            guard seconds < Double(latestAbsolute) else { return latestAbsolute }
            return exptime(relative: Int(seconds.rounded(.up)), now: now)
        }
    }

    /// The exptime for `seconds` from `now`, absolute when over 30 days.
    static func exptime(relative seconds: Int, now: Double) -> Int {
        guard seconds > maximumRelative else { return seconds }
        return min(Int(now) + seconds, latestAbsolute)
    }

    /// The exptime that keeps an entry's remaining time to live, from `mg`'s
    /// `t` flag (-1: no expiry).
    static func exptime(remaining token: String?, now: Double) -> Int {
        guard let token, let remaining = Int(token), remaining >= 0 else { return 0 }
        // 0 would mean "never"; an entry in its last second keeps one.
        return exptime(relative: max(remaining, 1), now: now)
    }
}
