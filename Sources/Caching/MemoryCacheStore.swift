import Metrics
import Synchronization

/// One shared memory-cache location: its shards, each behind its own lock.
///
/// A key's hash picks its shard, so operations on different keys mostly take
/// different locks and concurrent tasks do not queue on one `Mutex`. The first
/// backend to open a location decides its shard count and policy; later
/// backends on the same location share them.
///
/// The shards' locks live in one buffer, each on its own 128-byte line (so two
/// cores locking neighbouring shards do not invalidate each other's cache
/// line), reached by pointer: an operation takes its shard's lock without
/// retaining or releasing any shared object, whose reference count would be
/// one more cache line every core writes to.
final class MemoryCacheStore: @unchecked Sendable {
    // @unchecked: `shards` is written only in `init` and `deinit`; after init
    // every access to a shard's state goes through that shard's `Mutex`.
    private let shards: UnsafeMutableRawPointer
    /// The number of shards, a power of two.
    let shardCount: Int
    let policy: MemoryCachePolicy
    /// Evictions, culls, entries and bytes of this location.
    let metrics: CacheStoreMetrics
    private let shardMask: Int
    private static let stride = max(128, MemoryLayout<CacheLock<MemoryCacheShard>>.stride + 127) & ~127

    init(shardCount: Int, policy: MemoryCachePolicy, capacityPerShard: Int, location: String = "",
         metrics factory: any MetricsFactory = MetricsSystem.factory) {
        let count = shardCount.nextPowerOfTwo
        self.shardCount = count
        metrics = CacheStoreMetrics(backend: "memory", location: location, shards: count, factory: factory)
        shardMask = count - 1
        self.policy = policy
        shards = UnsafeMutableRawPointer.allocate(byteCount: Self.stride * count, alignment: 128)
        for index in 0..<count {
            (shards + Self.stride * index).bindMemory(to: CacheLock<MemoryCacheShard>.self, capacity: 1)
                .initialize(to: CacheLock(MemoryCacheShard(policy: policy, capacity: capacityPerShard)))
        }
    }

    deinit {
        for index in 0..<shardCount { shard(index).deinitialize(count: 1) }
        shards.deallocate()
    }

    /// The shard at an index in `0..<shardCount`.
    @inline(__always)
    func shard(_ index: Int) -> UnsafeMutablePointer<CacheLock<MemoryCacheShard>> {
        (shards + Self.stride * index).assumingMemoryBound(to: CacheLock<MemoryCacheShard>.self)
    }

    /// The shard holding a key, picked by the hash's high bits (the
    /// dictionaries use the low ones).
    @inline(__always)
    func shard(_ key: MemoryCacheKey) -> UnsafeMutablePointer<CacheLock<MemoryCacheShard>> {
        shard(shardIndex(key))
    }

    /// The index of the shard holding a key.
    @inline(__always)
    func shardIndex(_ key: MemoryCacheKey) -> Int {
        Int(truncatingIfNeeded: UInt64(bitPattern: Int64(key.hash)) >> 40) & shardMask
    }

    /// Stores an entry in its shard and reports evictions, culls and the
    /// shard's size (``CacheStoreMetrics``) after the lock is released.
    @inline(__always)
    func store(_ key: MemoryCacheKey, _ value: CacheValue, expiry: Double, size: Int, now: Double, limits: MemoryCacheLimits) {
        let index = shardIndex(key)
        let (evicted, culled, count, bytes) = shard(index).pointee.withLock { shard in
            let (evicted, culled) = shard.store(key, value, expiry: expiry, size: size, now: now, limits: limits)
            return (evicted, culled, shard.table.count, shard.table.totalBytes)
        }
        metrics.evicted(evicted)
        if culled { metrics.culled() }
        metrics.holds(shard: index, entries: count, bytes: bytes)
    }

    /// Every shard, in order.
    var allShards: [UnsafeMutablePointer<CacheLock<MemoryCacheShard>>] {
        (0..<shardCount).map { shard($0) }
    }

    private static let stores = CacheLock<[String: MemoryCacheStore]>([:])

    /// The store named `location`, created with this layout if it does not exist.
    static func named(
        _ location: String, shardCount: Int, policy: MemoryCachePolicy, capacityPerShard: Int,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) -> MemoryCacheStore {
        stores.withLock { stores in
            if let store = stores[location] { return store }
            let store = MemoryCacheStore(
                shardCount: shardCount, policy: policy, capacityPerShard: capacityPerShard, location: location, metrics: metrics)
            stores[location] = store
            return store
        }
    }

    static func drop(_ location: String) {
        _ = stores.withLock { $0.removeValue(forKey: location) }
    }
}
