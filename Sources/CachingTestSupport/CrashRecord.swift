/// A value that proves itself: its key's number, a generation, and bytes that
/// follow from both, so a reader can tell a whole value from a torn or mixed
/// one. Shared by `cache-crash-writer` and CrashSafetyTests.
public enum CrashRecord {
    /// The writer cycles through keys `k0` … `k<keys - 1>`.
    public static let keys = 64

    /// The record for key `index` at `generation`, `size` bytes long.
    public static func bytes(index: Int, generation: Int, size: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: index).littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: generation).littleEndian) { bytes.append(contentsOf: $0) }
        var state = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: generation)
        while bytes.count < size {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: state >> 56))
        }
        return bytes
    }

    /// Whether `bytes` is a whole record of key `index` (any generation).
    public static func isValid(_ bytes: [UInt8], index: Int) -> Bool {
        guard bytes.count >= 8 else { return false }
        let storedIndex = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        let generation = Int(UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24)
        guard storedIndex == index else { return false }
        // Compared as it is generated, without building the expected copy:
        // records are large and tests check many, on the shared thread pool.
        var state = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: generation)
        return bytes.withUnsafeBufferPointer { buffer in
            for position in 8..<buffer.count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                if buffer[position] != UInt8(truncatingIfNeeded: state >> 56) { return false }
            }
            return true
        }
    }
}
