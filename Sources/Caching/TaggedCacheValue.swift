/// A value stored with tags: the value plus the version each of its tags had
/// when it was stored (its stamps).
///
/// Why an envelope: tags are checked by the ``Cache`` front end, the same way
/// on every backend — a tagged value is valid only while every tag's current
/// version (kept under a reserved key in the same backend) equals its stamp.
/// ``Cache/invalidate(tags:)`` gives tags new versions, so every value stored
/// before is a miss from then on, in every process sharing the backend.
///
/// Untagged values are never wrapped, so they stay byte-identical to what
/// Django-compatible backends exchange. A wrapped byte value starts with
/// ``magic`` (a NUL byte no coder's first byte is in this package: the default
/// coder starts with a digit, `-`, `s`, `b`, `d` or `j`), then the stamps, then
/// the inner bytes:
///
/// ```
/// 00 'C' 'T' 'G' 01 | count (UInt16 BE) | { length (UInt16 BE), UTF-8 tag, version (UInt64 BE) } × count | inner bytes
/// ```
///
/// In-process backends that take live values get a ``TaggedLiveValue`` instead.
@usableFromInline
struct TaggedCacheValue: Sendable {
    /// The tag versions the value was stored under, in the order given.
    @usableFromInline var stamps: [TagStamp]
    /// The value itself, as the backend would store it untagged.
    @usableFromInline var inner: CacheValue

    @usableFromInline
    init(stamps: [TagStamp], inner: CacheValue) {
        self.stamps = stamps
        self.inner = inner
    }

    /// The first bytes of a wrapped byte value.
    @usableFromInline static let magic: [UInt8] = [0x00, 0x43, 0x54, 0x47, 0x01]

    /// Whether `stored` may be wrapped: a cheap test run on every hit, so an
    /// untagged hit pays one byte comparison (or one type check for live
    /// values).
    @inlinable
    static func mayBeTagged(_ stored: CacheValue) -> Bool {
        switch stored {
        case .bytes(let bytes): return bytes.first == 0x00
        // An exact type comparison, cheaper than a dynamic cast (`is`).
        case .live(let value): return type(of: value) == TaggedLiveValue.self
        }
    }

    /// The wrapped value as a backend stores it.
    @usableFromInline
    var stored: CacheValue {
        switch inner {
        case .live(let value):
            return .live(TaggedLiveValue(stamps: stamps, value: value))
        case .bytes(let bytes):
            var out = Self.magic
            out.reserveCapacity(out.count + 2 + stamps.reduce(0) { $0 + 10 + $1.tag.utf8.count } + bytes.count)
            Self.append(UInt64(stamps.count), bytes: 2, to: &out)
            for stamp in stamps {
                Self.append(UInt64(stamp.tag.utf8.count), bytes: 2, to: &out)
                out.append(contentsOf: stamp.tag.utf8)
                Self.append(UInt64(bitPattern: Int64(stamp.version)), bytes: 8, to: &out)
            }
            out.append(contentsOf: bytes)
            return .bytes(out)
        }
    }

    /// Unwraps a stored value; `nil` when it is not a tagged envelope (an
    /// untagged value) or a malformed one.
    @usableFromInline
    init?(unwrapping stored: CacheValue) {
        switch stored {
        case .live(let value):
            guard let tagged = value as? TaggedLiveValue else { return nil }
            self.init(stamps: tagged.stamps, inner: .live(tagged.value))
        case .bytes(let bytes):
            guard bytes.count >= Self.magic.count + 2, bytes.starts(with: Self.magic) else { return nil }
            var reader = ByteReader(bytes: bytes, offset: Self.magic.count)
            guard let count = reader.integer(bytes: 2) else { return nil }
            var stamps: [TagStamp] = []
            stamps.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let length = reader.integer(bytes: 2), let name = reader.string(length: Int(length)),
                      let version = reader.integer(bytes: 8)
                else { return nil }
                stamps.append(TagStamp(tag: name, version: Int(Int64(bitPattern: version))))
            }
            self.init(stamps: stamps, inner: .bytes(Array(bytes[reader.offset...])))
        }
    }

    private static func append(_ value: UInt64, bytes: Int, to out: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private struct ByteReader {
        let bytes: [UInt8]
        var offset: Int

        mutating func integer(bytes count: Int) -> UInt64? {
            guard offset + count <= bytes.count else { return nil }
            var value: UInt64 = 0
            for index in offset..<(offset + count) { value = value << 8 | UInt64(bytes[index]) }
            offset += count
            return value
        }

        mutating func string(length: Int) -> String? {
            guard offset + length <= bytes.count else { return nil }
            defer { offset += length }
            return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        }
    }
}

/// One tag of a stored value and the version it had when the value was stored.
@usableFromInline
struct TagStamp: Sendable, Hashable {
    @usableFromInline var tag: String
    @usableFromInline var version: Int

    @usableFromInline
    init(tag: String, version: Int) {
        self.tag = tag
        self.version = version
    }
}

/// A tagged value as in-process backends keep it (unencoded, like every live
/// value): the stamps beside the Swift value.
@usableFromInline
struct TaggedLiveValue: Sendable {
    @usableFromInline let stamps: [TagStamp]
    @usableFromInline let value: any Sendable

    @usableFromInline
    init(stamps: [TagStamp], value: any Sendable) {
        self.stamps = stamps
        self.value = value
    }
}
