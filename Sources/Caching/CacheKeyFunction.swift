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

    /// `prefix:version:key`. This runs on every cache call, so the common case
    /// (no prefix, version 1) is written into one string with one copy.
    @inlinable
    public static func defaultKey(_ key: String, prefix: String, version: Int) -> String {
        if prefix.isEmpty, version == 1 {
            // The common case: ":1:" + key, one copy.
            let fast = key.utf8.withContiguousStorageIfAvailable { keyBytes in
                String(unsafeUninitializedCapacity: keyBytes.count + 3) { buffer in
                    buffer[0] = UInt8(ascii: ":")
                    buffer[1] = UInt8(ascii: "1")
                    buffer[2] = UInt8(ascii: ":")
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[3...]).initialize(fromContentsOf: keyBytes)
                    return keyBytes.count + 3
                }
            }
            if let fast { return fast }
        }
        var result = prefix
        result.append(":")
        result.append(version == 1 ? "1" : String(version))
        result.append(":")
        result.append(key)
        return result
    }
}
