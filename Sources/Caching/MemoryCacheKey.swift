/// A memory-cache key with its hash computed once.
///
/// One hash of the key's bytes picks the shard, indexes the shard's dictionary
/// and feeds the frequency sketch, so an operation hashes the string once (a
/// plain `String` key would be hashed again by the dictionary, and once more
/// by the sketch).
struct MemoryCacheKey: Hashable, Sendable {
    /// The final key.
    let string: String
    /// `string.hashValue`: seeded per process, so hash flooding stays as hard as
    /// for a plain dictionary.
    let hash: Int

    init(_ string: String) {
        self.string = string
        self.hash = string.hashValue
    }

    static func == (lhs: MemoryCacheKey, rhs: MemoryCacheKey) -> Bool {
        lhs.hash == rhs.hash && lhs.string == rhs.string
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    /// The dictionary's bucket hash: the stored hash mixed with the table's seed,
    /// without running SipHash again (the stored hash already is a SipHash).
    func _rawHashValue(seed: Int) -> Int {
        hash ^ seed
    }
}

extension MemoryCacheKey {
    /// The key a freed slot holds.
    static let empty = MemoryCacheKey("")
}
