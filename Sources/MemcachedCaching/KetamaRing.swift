import Crypto

/// Consistent hashing of keys onto servers, as libketama does it, so that
/// adding or removing one of N servers moves only about 1/N of the keys.
///
/// Each server gets ``pointsPerServer`` points on a 32-bit circle: for
/// `i` in `0..<40`, the MD5 digest of `"<host>:<port>-<i>"` gives four points
/// (its four little-endian 32-bit words). A key goes to the server of the first
/// point at or after the first little-endian word of the key's MD5 digest,
/// wrapping around to the lowest point. Servers have equal weight.
///
/// The point layout is libketama's (the `host:port` form, including the default
/// port), so a key lands on the same server as with libketama-compatible
/// clients given the same server list.
public struct KetamaRing: Sendable {
    /// Points per server (libketama: 40 digests of 4 points each).
    public static let pointsPerServer = 160

    /// The number of servers on the ring.
    public let serverCount: Int
    /// The points, sorted, and the server index of each.
    private let points: [UInt32]
    private let owners: [Int]

    /// A ring over servers named as libketama names them (`host:port`); a key's
    /// server is an index into `names`.
    public init(names: [String]) {
        serverCount = names.count
        var pairs: [(point: UInt32, owner: Int)] = []
        pairs.reserveCapacity(names.count * Self.pointsPerServer)
        for (owner, name) in names.enumerated() {
            for digestIndex in 0..<(Self.pointsPerServer / 4) {
                let digest = Array(Insecure.MD5.hash(data: Array("\(name)-\(digestIndex)".utf8)))
                for word in 0..<4 {
                    pairs.append((Self.littleEndianWord(digest, at: word * 4), owner))
                }
            }
        }
        // Ties (vanishingly rare) go to the server listed first, so the ring
        // does not depend on the sort's stability.
        pairs.sort { $0.point != $1.point ? $0.point < $1.point : $0.owner < $1.owner }
        points = pairs.map(\.point)
        owners = pairs.map(\.owner)
    }

    /// A ring over `servers`.
    public init(servers: [MemcachedServer]) {
        self.init(names: servers.map(\.ketamaName))
    }

    /// The hash of a key on the circle: the first little-endian 32-bit word of
    /// its MD5 digest.
    public static func hash(_ key: String) -> UInt32 {
        littleEndianWord(Array(Insecure.MD5.hash(data: Array(key.utf8))), at: 0)
    }

    /// The index of the server that holds `key`; 0 when there is one server or none.
    public func server(for key: String) -> Int {
        guard serverCount > 1 else { return 0 }
        return server(forHash: Self.hash(key))
    }

    /// The index of the server that owns a position on the circle.
    public func server(forHash hash: UInt32) -> Int {
        guard !points.isEmpty else { return 0 }
        // The first point >= hash (binary search), wrapping to the first point.
        var low = 0
        var high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return owners[low == points.count ? 0 : low]
    }

    private static func littleEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}
