import Synchronization

extension Cache {
    /// Drops every value stored with any of `tags`, on every backend and in
    /// every process sharing it: after this returns, no `get` returns a value
    /// stored with one of them before the call.
    ///
    /// How: each tag has a version kept in the same backend, under the
    /// reserved key ``tagKey(_:)`` (no expiry); a tagged value carries the
    /// versions its tags had when it was stored and is a miss once any differs
    /// or is gone. Invalidating gives each tag a new random version — one
    /// write per tag, however many values carry it. A tag version evicted by
    /// the backend (LRU, memcached) makes its values misses too, never stale
    /// hits. A value whose `set` read the old version while this call ran is
    /// stored with the old stamp, so it is a miss afterwards as well.
    ///
    /// ```swift
    /// try await cache.set("product:42:card", card, tags: ["product:42"])
    /// try await cache.invalidate(tags: ["product:42"])
    /// try await cache.get("product:42:card", as: Card.self)   // nil
    /// ```
    ///
    /// Tags are validated like keys (a logged warning, or
    /// ``CacheError/invalidKey(_:)`` on memcached). Unlike other writes this
    /// one is never dropped: when the server is down it throws
    /// (``CacheError/isServerUnavailable``) even in the `miss` failure mode,
    /// since values it could not invalidate would otherwise stay served.
    public func invalidate(tags: some Sequence<String>) async throws {
        var entries: [(key: String, value: CacheValue)] = []
        var names: [String] = []
        var seen: Set<String> = []
        for tag in tags where seen.insert(tag).inserted {
            let key = try tagKey(tag)
            names.append(tag)
            entries.append((key, try encode(Self.newTagVersion(), key: key)))
        }
        guard !entries.isEmpty else { return }
        let failed = try await CacheFailureHandler.$writesMustFail.withValue(true) {
            try await backend.setMany(entries, lifetime: .forever)
        }
        CacheTagGeneration.advance(names)
        if !failed.isEmpty {
            throw CacheError.backendFailure(
                backend: backend.name,
                message: "could not invalidate the tags stored under \(failed.joined(separator: ", ")); retry the invalidation")
        }
    }

    /// The validated final key a tag's version is kept under: the key
    /// `:tag:<tag>` with the cache's prefix, version and key function, so that
    /// caches sharing a prefix share tags. Keys starting with `:tag:` are
    /// reserved for tags.
    public func tagKey(_ tag: String) throws -> String {
        try makeValidatedKey(Self.tagKeyPrefix + tag, version: version)
    }

    /// The reserved key prefix of tag versions.
    static let tagKeyPrefix = ":tag:"

    /// A new random tag version (set, never incremented, so a version that
    /// was evicted and recreated cannot repeat an old one).
    static func newTagVersion() -> Int {
        Int.random(in: .min ... .max)
    }

    // MARK: Storing

    /// `encoded` wrapped with the current versions of `tags`.
    @usableFromInline
    func tagged(_ encoded: CacheValue, tags: [String]) async throws -> CacheValue {
        TaggedCacheValue(stamps: try await currentStamps(tags), inner: encoded).stored
    }

    /// The current version of each of `tags` (one read for all), creating the
    /// missing ones: `add` of a new random version, then a read that takes a
    /// concurrent creator's version if it won.
    @usableFromInline
    func currentStamps(_ tags: [String]) async throws -> [TagStamp] {
        var names: [String] = []
        var keys: [String] = []
        var seen: Set<String> = []
        for tag in tags where seen.insert(tag).inserted {
            names.append(tag)
            keys.append(try tagKey(tag))
        }
        let found = try await backend.getMany(keys)
        var stamps: [TagStamp] = []
        stamps.reserveCapacity(names.count)
        for (name, key) in zip(names, keys) {
            if let version = found[key]?.integerValue {
                stamps.append(TagStamp(tag: name, version: version))
                continue
            }
            let fresh = Self.newTagVersion()
            _ = try await backend.add(key, value: try encode(fresh, key: key), lifetime: .forever)
            let winner = try await backend.get(key)?.integerValue
            // Nothing stored (a dummy backend, a failure mode that dropped
            // the write): the stamp matches no version, so the value is a miss.
            stamps.append(TagStamp(tag: name, version: winner ?? fresh))
        }
        return stamps
    }

    // MARK: Reading

    /// The value inside a stored tagged value while every tag's version still
    /// matches; `nil` (and the entry deleted, best effort) once one does not.
    /// A value that is not a tagged envelope comes back as it is.
    @usableFromInline
    func untag(_ stored: CacheValue, finalKey: String) async throws -> CacheValue? {
        guard let tagged = TaggedCacheValue(unwrapping: stored) else { return stored }
        let keys = tagged.stamps.map { makeKey(Self.tagKeyPrefix + $0.tag, version: version) }
        let versions: [String: CacheValue]
        if keys.count == 1 {
            // One tag (the common case): the single-key read, cheaper than a
            // multi-get on every backend.
            versions = try await backend.get(keys[0]).map { [keys[0]: $0] } ?? [:]
        } else {
            versions = try await backend.getMany(keys)
        }
        if isCurrent(tagged, versions: versions) { return tagged.inner }
        _ = try? await backend.delete(finalKey)
        return nil
    }

    /// ``untag(_:finalKey:)`` for many entries, with one read of the versions
    /// of all their tags. Entries no longer valid are left out.
    func untagMany(_ found: [String: CacheValue]) async throws -> [String: CacheValue] {
        var result: [String: CacheValue] = [:]
        var tagged: [(key: String, value: TaggedCacheValue)] = []
        var tagKeys: Set<String> = []
        for (key, stored) in found {
            if let value = TaggedCacheValue(unwrapping: stored) {
                tagged.append((key, value))
                for stamp in value.stamps { tagKeys.insert(makeKey(Self.tagKeyPrefix + stamp.tag, version: version)) }
            } else {
                result[key] = stored
            }
        }
        guard !tagged.isEmpty else { return result }
        let versions = try await backend.getMany(Array(tagKeys))
        var stale: [String] = []
        for (key, value) in tagged {
            if isCurrent(value, versions: versions) { result[key] = value.inner } else { stale.append(key) }
        }
        if !stale.isEmpty { try? await backend.deleteMany(stale) }
        return result
    }

    /// Whether the entry under `finalKey` is a tagged value whose tags were
    /// invalidated; if so it is deleted (so that `add` may take the key).
    @usableFromInline
    func dropInvalidated(_ finalKey: String) async throws -> Bool {
        guard let stored = try await backend.get(finalKey), TaggedCacheValue.mayBeTagged(stored) else { return false }
        return try await untag(stored, finalKey: finalKey) == nil
    }

    private func isCurrent(_ tagged: TaggedCacheValue, versions: [String: CacheValue]) -> Bool {
        tagged.stamps.allSatisfy { stamp in
            versions[makeKey(Self.tagKeyPrefix + stamp.tag, version: version)]?.integerValue == stamp.version
        }
    }
}

/// Counters of the tag invalidations made in this process, for in-process
/// copies of cached values (the page caches' hot tier) that must drop a
/// tagged copy the moment an invalidation of one of its tags returns.
///
/// Each tag counts in one of ``slotCount`` slots (by its hash: two tags
/// sharing a slot only cost a needless refill), beside a total. A copy is
/// made in three steps: read ``current`` before reading the value from the
/// backend, then ``stamps(for:ifUnchangedSince:)`` (`nil`: an invalidation
/// ran meanwhile, do not keep the copy), and later ``isCurrent(_:_:)`` on
/// each read of the copy.
public enum CacheTagGeneration {
    /// The number of slots tags are counted in.
    public static let slotCount = 16_384

    private struct State {
        var total: UInt64 = 0
        var slots = [UInt64](repeating: 0, count: CacheTagGeneration.slotCount)
    }

    private static let state = Mutex(State())

    private static func slot(_ tag: String) -> Int {
        tag.hashValue & (slotCount - 1)
    }

    /// The number of tag invalidations so far in this process.
    public static var current: UInt64 { state.withLock { $0.total } }

    /// The counters of `tags` now, or `nil` when an invalidation has run
    /// since `generation` (a value of ``current``) was read.
    public static func stamps(for tags: [String], ifUnchangedSince generation: UInt64) -> [UInt64]? {
        state.withLock { state in
            guard state.total == generation else { return nil }
            return tags.map { state.slots[slot($0)] }
        }
    }

    /// Whether no tag of `tags` was invalidated since `stamps` were taken.
    public static func isCurrent(_ tags: [String], _ stamps: [UInt64]) -> Bool {
        state.withLock { state in
            zip(tags, stamps).allSatisfy { state.slots[slot($0)] == $1 }
        }
    }

    /// Counts one invalidation of `tags`.
    static func advance(_ tags: [String]) {
        state.withLock { state in
            state.total &+= 1
            for tag in tags { state.slots[slot(tag)] &+= 1 }
        }
    }
}
