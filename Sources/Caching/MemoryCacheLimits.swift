/// One backend's bounds, as they apply to each shard of its store.
///
/// A store of `n` shards gives each shard `1/n` of `maxEntries` and of
/// `maxBytes`; each shard culls or evicts on its own (see
/// ``MemoryCacheBackend``). With one shard these are the configured bounds and
/// Django's culling arithmetic holds exactly.
struct MemoryCacheLimits: Sendable {
    /// Entries per shard: culling starts here (lru), or the hard cap (tinylfu).
    var maxEntries: Int
    /// Django's `CULL_FREQUENCY` (lru only).
    var cullFrequency: Int
    /// Bytes per shard, when the backend has a byte budget.
    var maxBytes: Int?
    /// TinyLFU's admission window: 1 % of the shard's entries and bytes.
    var windowEntries: Int
    var windowBytes: Int
    /// TinyLFU's protected area: 80 % of the rest.
    var protectedEntries: Int
    var protectedBytes: Int

    init(maxEntries: Int, cullFrequency: Int, maxBytes: Int?, shards: Int) {
        self.maxEntries = shards == 1 ? maxEntries : max(1, maxEntries / shards)
        self.cullFrequency = cullFrequency
        self.maxBytes = maxBytes.map { shards == 1 ? $0 : max(1, $0 / shards) }
        let entries = max(1, self.maxEntries)
        windowEntries = max(1, entries / 100)
        protectedEntries = (entries - windowEntries) * 8 / 10
        let bytes = self.maxBytes ?? Int.max / 2
        windowBytes = max(1, bytes / 100)
        protectedBytes = (bytes - windowBytes) / 10 * 8
    }

    /// Whether a TinyLFU shard holds more than it may.
    func exceeded(by table: LRUTable) -> Bool {
        if table.count > max(1, maxEntries) { return true }
        if let maxBytes, table.totalBytes > maxBytes { return true }
        return false
    }
}
