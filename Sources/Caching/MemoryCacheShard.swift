/// One shard of a memory-cache store: its entries and its eviction policy.
///
/// Every rule about what stays and what goes lives here, once for both
/// policies: Django's culling (`lru`) and W-TinyLFU admission (`tinylfu`). Not
/// thread-safe: ``MemoryCacheStore`` keeps each shard inside a `Mutex`.
struct MemoryCacheShard {
    var table = LRUTable()
    /// The frequency sketch; `nil` under the `lru` policy.
    private var sketch: FrequencySketch?
    /// `sketch != nil`, as a plain flag: testing the optional on the hot path
    /// copies the sketch (a retain and a release of its table).
    private let admits: Bool

    /// An empty shard; `capacity` (entries) sizes TinyLFU's sketch.
    init(policy: MemoryCachePolicy, capacity: Int) {
        admits = policy == .tinylfu
        if admits { sketch = FrequencySketch(capacity: capacity) }
    }

    /// The live value of a key, made most recently used; an expired entry is
    /// removed. The clock is read only for entries that can expire.
    @inline(__always)
    mutating func get(_ key: MemoryCacheKey, clock: CacheClock, limits: MemoryCacheLimits) -> CacheValue? {
        guard let position = table.slotIndex(key) else { return nil }
        let expiry = table.expiry(at: position)
        if expiry != .infinity, expiry <= clock.now() {
            table.remove(at: position)
            return nil
        }
        recordAccess(position, limits: limits)
        return table.value(at: position)
    }

    /// The slot of a live key; an expired entry is removed.
    mutating func liveSlot(_ key: MemoryCacheKey, now: Double) -> Int? {
        guard let position = table.slotIndex(key) else { return nil }
        if table.expiry(at: position) <= now {
            table.remove(at: position)
            return nil
        }
        return position
    }

    /// Stores an entry (an access: it becomes the most recently used), then
    /// culls or evicts as the policy says. Returns the entries culled or
    /// evicted (expired ones included), for the eviction counter.
    @discardableResult
    mutating func store(
        _ key: MemoryCacheKey, _ value: CacheValue, expiry: Double, size: Int, now: Double, limits: MemoryCacheLimits
    ) -> (evicted: Int, culled: Bool) {
        var evicted = 0
        var culled = false
        if !admits, table.count >= limits.maxEntries {
            let before = table.count
            cull(now: now, limits: limits)
            evicted = before - table.count
            culled = true
        }
        if let position = table.slotIndex(key) {
            table.replaceValue(position, value, size: size)
            table.setExpiry(position, expiry)
            recordAccess(position, limits: limits)
        } else {
            sketch?.increment(key.hash)
            table.insert(key, value: value, expiry: expiry, size: size)
        }
        let beforeBounds = table.count
        enforceBounds(now: now, limits: limits)
        return (evicted + beforeBounds - table.count, culled)
    }

    /// Replaces the value in a slot (an increment), as an access.
    mutating func replace(_ position: Int, _ value: CacheValue, size: Int, now: Double, limits: MemoryCacheLimits) {
        table.replaceValue(position, value, size: size)
        recordAccess(position, limits: limits)
        enforceBounds(now: now, limits: limits)
    }

    // MARK: Policy

    /// A read or write of a present entry: LRU moves it to the front; TinyLFU
    /// counts it and promotes it from probation to protected.
    @inline(__always)
    private mutating func recordAccess(_ position: Int, limits: MemoryCacheLimits) {
        guard admits else {
            table.moveToFront(position)
            return
        }
        sketch?.increment(table.key(at: position).hash)
        switch table.list(at: position) {
        case LRUTable.probation:
            table.move(position, to: LRUTable.protected)
            while table.lists[LRUTable.protected].count > limits.protectedEntries
                || table.lists[LRUTable.protected].bytes > limits.protectedBytes,
                let demoted = table.leastRecentlyUsed(in: LRUTable.protected)
            {
                table.move(demoted, to: LRUTable.probation)
                if demoted == position { break }
            }
        default:
            table.moveToFront(position)
        }
    }

    /// Django's culling, before an insert into a full `lru` shard: expired
    /// entries first, then `count / cullFrequency` least recently used ones;
    /// `cullFrequency` 0 clears the shard.
    private mutating func cull(now: Double, limits: MemoryCacheLimits) {
        if limits.cullFrequency == 0 {
            table.removeAll()
            return
        }
        table.removeExpired(now: now)
        guard table.count >= limits.maxEntries else { return }
        let toRemove = table.count / limits.cullFrequency
        for _ in 0..<max(0, toRemove) { table.removeLeastRecentlyUsed() }
    }

    /// Brings the shard back within its bounds after a write.
    private mutating func enforceBounds(now: Double, limits: MemoryCacheLimits) {
        guard admits, let sketch else {
            // lru: the byte budget evicts least recently used entries (a
            // single value is never over the budget: `charge` checked it).
            guard let maxBytes = limits.maxBytes else { return }
            while table.totalBytes > maxBytes, table.count > 1 {
                table.removeLeastRecentlyUsed()
            }
            return
        }
        // tinylfu: entries past the window's share go to probation as
        // candidates; while the shard is over its bounds, each candidate
        // meets the victim (probation's least recently used) and the one the
        // sketch has seen less often leaves; a tie keeps the victim.
        var candidate: Int?
        var candidates = 0
        while table.lists[LRUTable.window].count > limits.windowEntries
            || table.lists[LRUTable.window].bytes > limits.windowBytes,
            let oldest = table.leastRecentlyUsed(in: LRUTable.window)
        {
            table.move(oldest, to: LRUTable.probation)
            if candidate == nil { candidate = oldest }
            candidates += 1
            if table.lists[LRUTable.window].count == 0 { break }
        }
        while limits.exceeded(by: table) {
            guard let victim = table.leastRecentlyUsed(in: LRUTable.probation)
                ?? table.leastRecentlyUsed(in: LRUTable.protected)
                ?? table.leastRecentlyUsed(in: LRUTable.window)
            else { return }
            guard let current = candidate, candidates > 0 else {
                table.remove(at: victim)
                continue
            }
            let next = candidates > 1 ? table.moreRecent(than: current) : nil
            if victim == current {
                candidate = next
                candidates -= 1
                table.remove(at: victim)
            } else if table.expiry(at: victim) <= now {
                table.remove(at: victim)
            } else if table.expiry(at: current) > now,
                sketch.frequency(table.key(at: current).hash) > sketch.frequency(table.key(at: victim).hash)
            {
                table.remove(at: victim)
            } else {
                candidate = next
                candidates -= 1
                table.remove(at: current)
            }
        }
    }
}
