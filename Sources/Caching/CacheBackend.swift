/// A store that a ``Cache`` keeps its entries in.
///
/// A backend speaks *final* keys (prefix, version and key function already
/// applied, validation already done) and ``CacheValue``s. Key making, versions,
/// default timeouts and value coding belong to the ``Cache`` front end, so no
/// backend repeats them.
///
/// Operations a store can do natively (multi-get, atomic increment, touch) are
/// requirements; the many-key calls have generic fallbacks that loop over the
/// single-key ones, so a minimal custom backend implements only the single-key
/// calls.
///
/// Errors: a backend throws ``CacheError`` (usually `.backendFailure` with a
/// message naming what to fix). It never returns another key's value.
public protocol CacheBackend: Sendable {
    /// A short name for logs and errors, such as `memory(default)`.
    var name: String { get }

    /// Whether the backend accepts values unencoded (``CacheValue/live(_:)``).
    /// Only in-process stores should say yes.
    var acceptsLiveValues: Bool { get }

    /// Whether a key with a ``CacheKeyProblem`` is an error (`true`, memcached) or
    /// only a logged warning (`false`, the default).
    var rejectsInvalidKeys: Bool { get }

    /// The problems with a final key. The default applies Django's memcached rules;
    /// a backend that can store any key returns `[]`.
    func keyProblems(_ key: String) -> [CacheKeyProblem]

    /// The value for a key, or `nil` when it is missing or expired.
    func get(_ key: String) async throws -> CacheValue?
    /// Stores a value, replacing any existing one.
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws
    /// Stores a value only when the key is missing or expired; returns whether it stored.
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool
    /// Gives a live entry a new lifetime; returns whether the key was live.
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool
    /// Removes a key; returns whether anything was removed.
    func delete(_ key: String) async throws -> Bool
    /// Whether the key is present and not expired.
    func hasKey(_ key: String) async throws -> Bool
    /// Adds `delta` to the integer stored under `key`, keeping the entry's expiry,
    /// and returns the new value. Throws ``CacheError/keyNotFound(key:)`` (with the
    /// final key) when the key is missing, ``CacheError/notAnInteger(key:)`` when
    /// the stored value is not an integer.
    func increment(_ key: String, by delta: Int) async throws -> Int
    /// The present entries among `keys`.
    func getMany(_ keys: [String]) async throws -> [String: CacheValue]
    /// Stores every entry; returns the keys that failed to store.
    func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String]
    /// Removes every key.
    func deleteMany(_ keys: [String]) async throws
    /// Removes every entry of this backend's storage (its scope is the backend's:
    /// a memory location, a directory, a table, a key prefix).
    func clear() async throws
    /// Releases connections and other resources. The backend may be used again
    /// afterwards (it reconnects), as Django's `close()` allows.
    func close() async throws
    /// Releases connections and other resources for good, when the application
    /// stops (``Caches/shutdown(logger:)``): unlike ``close()``, a backend with
    /// connections does not reconnect; later calls fail with
    /// ``CacheError/unavailable(backend:reason:message:)`` and
    /// ``CacheUnavailableReason/shutDown``, so a late call cannot open a pool
    /// that nobody closes. Calling it again does nothing.
    ///
    /// The default calls ``close()``: a backend that holds no connections
    /// (memory, file, dummy) has nothing more to release and keeps working.
    func closePermanently() async throws
}

extension CacheBackend {
    public var acceptsLiveValues: Bool { false }
    public var rejectsInvalidKeys: Bool { false }

    public func keyProblems(_ key: String) -> [CacheKeyProblem] {
        CacheKeyProblem.memcachedProblems(in: key)
    }

    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        var result: [String: CacheValue] = [:]
        for key in keys {
            if let value = try await get(key) { result[key] = value }
        }
        return result
    }

    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        for entry in entries {
            try await set(entry.key, value: entry.value, lifetime: lifetime)
        }
        return []
    }

    public func deleteMany(_ keys: [String]) async throws {
        for key in keys { _ = try await delete(key) }
    }

    public func close() async throws {}

    public func closePermanently() async throws {
        try await close()
    }
}
