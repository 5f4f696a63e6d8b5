import Synchronization

/// One shared memory-cache location: its shards, each behind its own lock.
///
/// A key's hash picks its shard, so operations on different keys mostly take
/// different locks and concurrent tasks do not queue on one `Mutex`. The first
/// backend to open a location decides its shard count and policy; later
/// backends on the same location share them.
final class MemoryCacheStore: Sendable {
    /// One shard and its lock, in its own object so that two shards' locks do
    /// not share a cache line.
    final class Shard: Sendable {
        let state: Mutex<MemoryCacheShard>
        /// Keeps the next object's hot fields off this one's cache line.
        private let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

        init(policy: MemoryCachePolicy, capacity: Int) {
            state = Mutex(MemoryCacheShard(policy: policy, capacity: capacity))
        }
    }

    let shards: [Shard]
    let policy: MemoryCachePolicy
    private let shardMask: Int

    init(shardCount: Int, policy: MemoryCachePolicy, capacityPerShard: Int) {
        let count = shardCount.nextPowerOfTwo
        shards = (0..<count).map { _ in Shard(policy: policy, capacity: capacityPerShard) }
        shardMask = count - 1
        self.policy = policy
    }

    /// The shard holding a key (the hash's high bits: the dictionaries use the low ones).
    @inline(__always)
    func shard(_ key: MemoryCacheKey) -> Shard {
        shards[Int(truncatingIfNeeded: UInt64(bitPattern: Int64(key.hash)) >> 40) & shardMask]
    }

    private static let stores = Mutex<[String: MemoryCacheStore]>([:])

    /// The store named `location`, created with this layout if it does not exist.
    static func named(_ location: String, shardCount: Int, policy: MemoryCachePolicy, capacityPerShard: Int) -> MemoryCacheStore {
        stores.withLock { stores in
            if let store = stores[location] { return store }
            let store = MemoryCacheStore(shardCount: shardCount, policy: policy, capacityPerShard: capacityPerShard)
            stores[location] = store
            return store
        }
    }

    static func drop(_ location: String) {
        _ = stores.withLock { $0.removeValue(forKey: location) }
    }
}
