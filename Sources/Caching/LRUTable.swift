/// The entries of one memory-cache location, in least-recently-used order.
///
/// A dictionary from key to slot index plus an array of slots linked into a
/// doubly linked list, so lookup, move-to-front and eviction from the back are
/// all O(1) without a heap allocation per entry. Not thread-safe: the owning
/// ``MemoryCacheStore`` holds it inside a `Mutex`.
struct LRUTable {
    struct Slot {
        var key: String
        var value: CacheValue
        /// Absolute expiry; `.infinity` for never.
        var expiry: Double
        /// Bytes charged against the byte budget.
        var size: Int
        var previous: Int
        var next: Int
    }

    private(set) var index: [String: Int] = [:]
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    /// Most recently used.
    private var head = -1
    /// Least recently used.
    private var tail = -1
    /// Bytes charged by all entries.
    private(set) var totalBytes = 0

    var count: Int { index.count }

    func slotIndex(_ key: String) -> Int? { index[key] }

    func slot(_ position: Int) -> Slot { slots[position] }

    /// The expiry of a slot, without copying its key and value.
    func expiry(at position: Int) -> Double { slots[position].expiry }

    /// The value of a slot.
    func value(at position: Int) -> CacheValue { slots[position].value }

    mutating func setExpiry(_ position: Int, _ expiry: Double) {
        slots[position].expiry = expiry
    }

    mutating func replaceValue(_ position: Int, _ value: CacheValue, size: Int) {
        totalBytes += size - slots[position].size
        slots[position].value = value
        slots[position].size = size
    }

    /// Inserts or replaces an entry and makes it the most recently used.
    mutating func upsert(_ key: String, value: CacheValue, expiry: Double, size: Int) {
        if let position = index[key] {
            replaceValue(position, value, size: size)
            slots[position].expiry = expiry
            moveToFront(position)
            return
        }
        let slot = Slot(key: key, value: value, expiry: expiry, size: size, previous: -1, next: head)
        let position: Int
        if let free = freeSlots.popLast() {
            slots[free] = slot
            position = free
        } else {
            slots.append(slot)
            position = slots.count - 1
        }
        if head >= 0 { slots[head].previous = position }
        head = position
        if tail < 0 { tail = position }
        index[key] = position
        totalBytes += size
    }

    mutating func moveToFront(_ position: Int) {
        guard position != head else { return }
        unlink(position)
        slots[position].previous = -1
        slots[position].next = head
        if head >= 0 { slots[head].previous = position }
        head = position
        if tail < 0 { tail = position }
    }

    @discardableResult
    mutating func remove(_ key: String) -> Bool {
        guard let position = index.removeValue(forKey: key) else { return false }
        release(position)
        return true
    }

    /// Removes the least recently used entry.
    mutating func removeLeastRecentlyUsed() {
        guard tail >= 0 else { return }
        let position = tail
        index.removeValue(forKey: slots[position].key)
        release(position)
    }

    /// Removes every entry whose expiry is at or before `now`.
    mutating func removeExpired(now: Double) {
        var position = tail
        while position >= 0 {
            let previous = slots[position].previous
            if slots[position].expiry <= now {
                index.removeValue(forKey: slots[position].key)
                release(position)
            }
            position = previous
        }
    }

    mutating func removeAll() {
        self = LRUTable()
    }

    /// Keys from most to least recently used (for tests and statistics).
    func keysInRecencyOrder() -> [String] {
        var keys: [String] = []
        var position = head
        while position >= 0 {
            keys.append(slots[position].key)
            position = slots[position].next
        }
        return keys
    }

    private mutating func unlink(_ position: Int) {
        let previous = slots[position].previous
        let next = slots[position].next
        if previous >= 0 { slots[previous].next = next } else { head = next }
        if next >= 0 { slots[next].previous = previous } else { tail = previous }
    }

    private mutating func release(_ position: Int) {
        unlink(position)
        totalBytes -= slots[position].size
        // Drop the key and value now so their memory is returned at once.
        slots[position] = Slot(key: "", value: .bytes([]), expiry: 0, size: 0, previous: -1, next: -1)
        freeSlots.append(position)
        if index.isEmpty {
            slots.removeAll(keepingCapacity: false)
            freeSlots.removeAll(keepingCapacity: false)
            head = -1
            tail = -1
        }
    }
}
