/// Makes a final key from a caller's key, the cache's key prefix and a version.
///
/// The default is Django's: `"\(prefix):\(version):\(key)"`. Two caches with
/// different key functions do not see each other's entries.
public struct CacheKeyFunction: Sendable {
    /// The function itself.
    public let make: @Sendable (_ key: String, _ prefix: String, _ version: Int) -> String

    /// Wraps a key-making closure.
    public init(_ make: @escaping @Sendable (_ key: String, _ prefix: String, _ version: Int) -> String) {
        self.make = make
    }

    /// Django's default key function, `prefix:version:key`.
    public static let `default` = CacheKeyFunction { key, prefix, version in
        defaultKey(key, prefix: prefix, version: version)
    }

    /// `prefix:version:key`, built without intermediate strings.
    @inlinable
    public static func defaultKey(_ key: String, prefix: String, version: Int) -> String {
        var result = prefix
        result.reserveCapacity(prefix.utf8.count + key.utf8.count + 4)
        result.append(":")
        if version == 1 { result.append("1") } else { result.append(String(version)) }
        result.append(":")
        result.append(key)
        return result
    }
}
