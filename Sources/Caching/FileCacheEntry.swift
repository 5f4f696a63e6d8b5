/// The on-disk format of one file-cache entry.
///
/// ```
/// "SWC1" | expiry: Float64 LE (+inf = never) | length: UInt32 LE | crc32: UInt32 LE | value bytes
/// ```
///
/// Django stores a pickled expiry and a zlib-compressed pickle; we store the
/// length and a checksum instead, so a truncated or corrupt file is recognised
/// and treated as a miss rather than decoded into garbage.
struct FileCacheEntry {
    static let magic: [UInt8] = Array("SWC1".utf8)
    static let headerSize = 20

    var expiry: Double
    var value: [UInt8]

    func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + value.count)
        append(expiry.bitPattern, to: &bytes)
        append(UInt32(truncatingIfNeeded: value.count), to: &bytes)
        append(CRC32.checksum(value), to: &bytes)
        bytes.append(contentsOf: value)
        return bytes
    }

    /// Parses a file's bytes; `nil` when they are not a whole, valid entry.
    init?(parsing bytes: [UInt8]) {
        guard bytes.count >= Self.headerSize, Array(bytes[0..<4]) == Self.magic else { return nil }
        let expiryBits: UInt64 = Self.read(bytes, at: 4)
        let length: UInt32 = Self.read(bytes, at: 12)
        let checksum: UInt32 = Self.read(bytes, at: 16)
        guard bytes.count == Self.headerSize + Int(length) else { return nil }
        let value = Array(bytes[Self.headerSize...])
        guard CRC32.checksum(value) == checksum else { return nil }
        self.expiry = Double(bitPattern: expiryBits)
        self.value = value
    }

    init(expiry: Double, value: [UInt8]) {
        self.expiry = expiry
        self.value = value
    }

    private func append<T: FixedWidthInteger>(_ integer: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: integer.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<T: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size {
            value |= T(bytes[offset + index]) << (8 * index)
        }
        return value
    }
}
