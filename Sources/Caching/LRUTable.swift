/// The entries of one memory-cache shard, each in one of a few recency lists.
///
/// A dictionary from key to slot index plus an array of slots linked into
/// doubly linked lists, so lookup, move-to-front, moving between lists and
/// eviction from a list's back are all O(1) without a heap allocation per entry.
/// The `lru` policy keeps every entry in list 0; `tinylfu` uses the three lists
/// of W-TinyLFU (``window``, ``probation``, ``protected``). Not thread-safe: the
/// owning ``MemoryCacheShard`` sits inside a `Mutex`.
struct LRUTable {
    /// A list: the LRU policy's only list, or TinyLFU's admission window.
    static let window = 0
    /// TinyLFU's probation list: admitted entries not yet read again.
    static let probation = 1
    /// TinyLFU's protected list: entries read while on probation.
    static let protected = 2

    /// One entry. The links are stored as 32-bit numbers next to the value's
    /// padding, so a slot takes 88 bytes rather than 104 (a shard never holds
    /// 2³¹ entries: that would be 190 GB of slots).
    struct Slot {
        var key: MemoryCacheKey
        var value: CacheValue
        private var storedList: UInt8
        private var storedPrevious: Int32
        private var storedNext: Int32
        /// Absolute expiry; `.infinity` for never.
        var expiry: Double
        /// Bytes charged against the byte budget.
        var size: Int

        init(key: MemoryCacheKey, value: CacheValue, expiry: Double, size: Int, previous: Int, next: Int, list: Int) {
            self.key = key
            self.value = value
            storedList = UInt8(truncatingIfNeeded: list)
            storedPrevious = Int32(truncatingIfNeeded: previous)
            storedNext = Int32(truncatingIfNeeded: next)
            self.expiry = expiry
            self.size = size
        }

        /// The list the slot is in.
        var list: Int {
            get { Int(storedList) }
            set { storedList = UInt8(truncatingIfNeeded: newValue) }
        }

        /// The more recently used neighbour, or -1.
        var previous: Int {
            get { Int(storedPrevious) }
            set { storedPrevious = Int32(truncatingIfNeeded: newValue) }
        }

        /// The less recently used neighbour, or -1.
        var next: Int {
            get { Int(storedNext) }
            set { storedNext = Int32(truncatingIfNeeded: newValue) }
        }
    }

    /// One recency list: its ends and what it holds.
    struct List {
        /// Most recently used.
        var head = -1
        /// Least recently used.
        var tail = -1
        var count = 0
        var bytes = 0
    }

    /// The three lists, inline: an array would check uniqueness and bounds on
    /// every relink.
    struct Lists {
        private var window = List()
        private var probation = List()
        private var protected = List()

        subscript(list: Int) -> List {
            get {
                switch list {
                case LRUTable.probation: return probation
                case LRUTable.protected: return protected
                default: return window
                }
            }
            set {
                switch list {
                case LRUTable.probation: probation = newValue
                case LRUTable.protected: protected = newValue
                default: window = newValue
                }
            }
        }

        /// The list numbers, in order.
        var indices: Range<Int> { 0..<3 }
    }

    private(set) var index: [MemoryCacheKey: Int] = [:]
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private(set) var lists = Lists()
    /// Bytes charged by all entries.
    private(set) var totalBytes = 0

    var count: Int { index.count }

    func slotIndex(_ key: MemoryCacheKey) -> Int? { index[key] }

    /// The key of a slot.
    func key(at position: Int) -> MemoryCacheKey { slots[position].key }

    /// The expiry of a slot, without copying its key and value.
    func expiry(at position: Int) -> Double { slots[position].expiry }

    /// The value of a slot.
    func value(at position: Int) -> CacheValue { slots[position].value }

    /// The list a slot is in.
    func list(at position: Int) -> Int { slots[position].list }

    /// The slot next to `position` on the more recently used side, if any.
    func moreRecent(than position: Int) -> Int? {
        let previous = slots[position].previous
        return previous >= 0 ? previous : nil
    }

    /// The least recently used slot of a list.
    func leastRecentlyUsed(in list: Int) -> Int? {
        let tail = lists[list].tail
        return tail >= 0 ? tail : nil
    }

    mutating func setExpiry(_ position: Int, _ expiry: Double) {
        slots[position].expiry = expiry
    }

    mutating func replaceValue(_ position: Int, _ value: CacheValue, size: Int) {
        let change = size - slots[position].size
        totalBytes += change
        lists[slots[position].list].bytes += change
        slots[position].value = value
        slots[position].size = size
    }

    /// Inserts a new entry (the key must be absent) as the most recently used of
    /// `list`, and returns its slot.
    @discardableResult
    mutating func insert(_ key: MemoryCacheKey, value: CacheValue, expiry: Double, size: Int, list: Int = LRUTable.window) -> Int {
        let slot = Slot(key: key, value: value, expiry: expiry, size: size, previous: -1, next: -1, list: list)
        let position: Int
        if let free = freeSlots.popLast() {
            slots[free] = slot
            position = free
        } else {
            slots.append(slot)
            position = slots.count - 1
        }
        link(position, into: list)
        index[key] = position
        totalBytes += size
        return position
    }

    /// Makes a slot the most recently used of its list. This runs on every
    /// hit, so it relinks through one buffer pointer (one uniqueness check, not
    /// one per field written) and leaves the list's count and bytes alone.
    @inline(__always)
    mutating func moveToFront(_ position: Int) {
        let list = slots[position].list
        var ends = lists[list]
        guard position != ends.head else { return }
        slots.withUnsafeMutableBufferPointer { slots in
            // Not the head, so it has a more recent neighbour, and the list a head.
            let previous = slots[position].previous
            let next = slots[position].next
            slots[previous].next = next
            if next >= 0 { slots[next].previous = previous } else { ends.tail = previous }
            slots[position].previous = -1
            slots[position].next = ends.head
            slots[ends.head].previous = position
        }
        ends.head = position
        lists[list] = ends
    }

    /// Moves a slot to the front of another list.
    @inline(__always)
    mutating func move(_ position: Int, to list: Int) {
        unlink(position)
        link(position, into: list)
    }

    @discardableResult
    mutating func remove(_ key: MemoryCacheKey) -> Bool {
        guard let position = index.removeValue(forKey: key) else { return false }
        release(position)
        return true
    }

    /// Removes the entry in a slot.
    mutating func remove(at position: Int) {
        index.removeValue(forKey: slots[position].key)
        release(position)
    }

    /// Removes the least recently used entry of a list.
    mutating func removeLeastRecentlyUsed(in list: Int = LRUTable.window) {
        guard let position = leastRecentlyUsed(in: list) else { return }
        remove(at: position)
    }

    /// Removes every entry whose expiry is at or before `now`.
    mutating func removeExpired(now: Double) {
        for list in lists.indices {
            var position = lists[list].tail
            while position >= 0 {
                let previous = slots[position].previous
                if slots[position].expiry <= now { remove(at: position) }
                position = previous
            }
        }
    }

    mutating func removeAll() {
        self = LRUTable()
    }

    /// Keys from most to least recently used, list by list (for tests and
    /// statistics).
    func keysInRecencyOrder() -> [String] {
        var keys: [String] = []
        for list in lists.indices {
            var position = lists[list].head
            while position >= 0 {
                keys.append(slots[position].key.string)
                position = slots[position].next
            }
        }
        return keys
    }

    @inline(__always)
    private mutating func link(_ position: Int, into list: Int) {
        let head = lists[list].head
        slots[position].list = list
        slots[position].previous = -1
        slots[position].next = head
        if head >= 0 { slots[head].previous = position } else { lists[list].tail = position }
        lists[list].head = position
        lists[list].count += 1
        lists[list].bytes += slots[position].size
    }

    @inline(__always)
    private mutating func unlink(_ position: Int) {
        let list = slots[position].list
        let previous = slots[position].previous
        let next = slots[position].next
        if previous >= 0 { slots[previous].next = next } else { lists[list].head = next }
        if next >= 0 { slots[next].previous = previous } else { lists[list].tail = previous }
        lists[list].count -= 1
        lists[list].bytes -= slots[position].size
    }

    private mutating func release(_ position: Int) {
        unlink(position)
        totalBytes -= slots[position].size
        // Drop the key and value now so their memory is returned at once.
        slots[position] = Slot(key: MemoryCacheKey.empty, value: .bytes([]), expiry: 0, size: 0, previous: -1, next: -1, list: 0)
        freeSlots.append(position)
        if index.isEmpty {
            slots.removeAll(keepingCapacity: false)
            freeSlots.removeAll(keepingCapacity: false)
            lists = Lists()
        }
    }
}
