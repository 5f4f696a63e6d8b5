/// A value as it travels between the `Cache` front end and a backend.
///
/// Backends that keep values in process memory may accept them as they are
/// (`.live`): Swift's value semantics and `Sendable` give the same guarantee that
/// pickling gives Django's local-memory cache (a caller's later mutation cannot
/// reach the cached copy, and no two tasks race on it) without paying for
/// serialisation. Every other backend receives `.bytes`, produced by the cache's
/// ``CacheValueCoder``.
public enum CacheValue: Sendable {
    /// Encoded bytes. An integer is encoded as its decimal ASCII digits, so that
    /// stores with native counters (Redis `INCRBY`, memcached `incr`, SQL
    /// arithmetic) can increment it in place.
    case bytes([UInt8])
    /// The Swift value itself, for in-process stores.
    case live(any Sendable)

    /// The integer this value holds, if it holds one.
    public var integerValue: Int? {
        switch self {
        case .live(let value):
            return value as? Int
        case .bytes(let bytes):
            return DecimalInteger.parse(bytes)
        }
    }

    /// The number of bytes the value takes when encoded; `nil` for live values.
    public var byteCount: Int? {
        if case .bytes(let bytes) = self { return bytes.count }
        return nil
    }
}

/// Parsing and printing of integers as decimal ASCII, the representation shared
/// by every backend that can increment a stored integer in place.
public enum DecimalInteger {
    /// Parses `-?[0-9]+` into an `Int`; anything else, or overflow, gives `nil`.
    @inlinable
    public static func parse(_ bytes: some Collection<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        guard var byte = iterator.next() else { return nil }
        var negative = false
        if byte == UInt8(ascii: "-") {
            negative = true
            guard let next = iterator.next() else { return nil }
            byte = next
        }
        var result = 0
        while true {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte &- UInt8(ascii: "0"))
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            result = next
            guard let following = iterator.next() else { break }
            byte = following
        }
        return result
    }

    /// The decimal ASCII bytes of `value`.
    @inlinable
    public static func bytes(_ value: Int) -> [UInt8] {
        Array(String(value).utf8)
    }
}
