/// Something about a final cache key that some backend cannot store.
///
/// The rules and messages are Django's `memcache_key_warnings`: a key longer than
/// 250 characters, or one holding a control character or a space. Tolerant
/// backends log the problem as a warning; memcached rejects the key.
public enum CacheKeyProblem: Sendable, Hashable, CustomStringConvertible {
    /// The key is longer than ``maximumLength`` characters.
    case tooLong(key: String)
    /// The key holds a character in `\u{00}`–`\u{20}` or `\u{7F}`.
    case invalidCharacters(key: String)

    /// The longest key memcached accepts.
    public static let maximumLength = 250

    public var description: String {
        switch self {
        case .tooLong(let key):
            return "Cache key will cause errors if used with memcached: '\(key)' (longer than \(Self.maximumLength))"
        case .invalidCharacters(let key):
            return "Cache key contains characters that will cause errors if used with memcached: '\(key)'"
        }
    }

    /// The problems with a final key under Django's memcached rules; empty when the
    /// key is fine. Length counts characters, not bytes; non-ASCII characters are
    /// not a problem by themselves.
    @inlinable
    public static func memcachedProblems(in key: String) -> [CacheKeyProblem] {
        let utf8 = key.utf8
        let scanned = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte <= 0x20 || byte == 0x7F { return true }
            return false
        }
        let hasInvalidByte = scanned ?? utf8.contains { $0 <= 0x20 || $0 == 0x7F }
        let byteCount = utf8.count
        // Characters never outnumber bytes, so the character count is needed
        // only for long keys.
        let tooLong = byteCount > maximumLength && key.count > maximumLength
        if !tooLong && !hasInvalidByte { return [] }
        var problems: [CacheKeyProblem] = []
        if tooLong { problems.append(.tooLong(key: key)) }
        if hasInvalidByte { problems.append(.invalidCharacters(key: key)) }
        return problems
    }
}
