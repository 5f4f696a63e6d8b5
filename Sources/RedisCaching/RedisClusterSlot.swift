/// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of its
/// `{hash tag}`, modulo 16,384.
///
/// Keys that share a hash tag (`{user1000}.following`, `{user1000}.followers`)
/// share a slot, so a multi-key command over them is allowed by the cluster.
/// The tag is the text between the first `{` and the first `}` after it, when
/// that text is not empty — the cluster's own rule, so both sides agree.
public enum RedisClusterSlot {
    /// The number of slots of a Redis Cluster.
    public static let count = 16384

    /// The slot of `key`.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        let bytes = Array(key)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
           let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            return Int(crc16(bytes[(open + 1)..<close]) & 0x3FFF)
        }
        return Int(crc16(bytes) & 0x3FFF)
    }

    /// The slot of `key`'s UTF-8 bytes.
    public static func of(_ key: String) -> Int {
        of(Array(key.utf8))
    }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as Redis Cluster uses.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
