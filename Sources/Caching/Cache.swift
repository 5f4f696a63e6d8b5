import Logging
import Metrics
import Tracing

/// The low-level cache API: Django's `cache` object, async and typed.
///
/// A `Cache` is a cheap value: a backend plus the settings of one alias (key
/// prefix, version, key function, default timeout, value coder). Get one from
/// ``Caches`` by alias, or build one around any ``CacheBackend``.
///
/// ```swift
/// let cache = try caches["default"]
/// try await cache.set("greeting", "hello", timeout: 60)
/// let greeting = try await cache.get("greeting", as: String.self)   // "hello"
/// let count = try await cache.getOrSet("count", default: 0)
/// ```
///
/// Values are any `Codable & Sendable` type. A miss is `nil`; a stored `nil`
/// (`Optional<T>.none`) comes back as `.some(nil)` when you ask for `T?`, so the
/// two can be told apart, as Django tells a stored `None` from a missing key.
///
/// Every call takes an optional `version` that replaces the cache's own in the
/// key. Final keys are checked against memcached's rules: the problems are logged
/// as warnings, or thrown as ``CacheError/invalidKey(_:)`` by backends that
/// cannot store such keys.
public struct Cache: Sendable {
    /// The alias this cache was configured under.
    public let alias: String
    /// The store behind this cache.
    public let backend: any CacheBackend
    /// Prepended to every key (Django's `KEY_PREFIX`).
    public let keyPrefix: String
    /// The default version (Django's `VERSION`).
    public let version: Int
    /// The lifetime of values stored with ``CacheTimeout/default``.
    public let defaultLifetime: CacheLifetime
    /// A custom key function, or `nil` for `prefix:version:key`.
    public let keyFunction: CacheKeyFunction?
    /// The coder for backends that store bytes.
    public let coder: any CacheValueCoder
    /// Where key warnings and backend trouble are logged.
    public let logger: Logger

    /// The same object as ``backend`` when it can answer without suspending.
    @usableFromInline let synchronousBackend: (any SynchronousCacheBackend)?
    /// The same object as ``backend`` when it is the memory backend, called
    /// through an unretained reference (``backend`` keeps it alive): a strong
    /// reference is retained and released on every call, an atomic write to
    /// one cache line that every core shares, which made two cores do fewer
    /// operations than one.
    @usableFromInline let memoryBackend: Unmanaged<MemoryCacheBackend>?
    @usableFromInline let liveValues: Bool
    @usableFromInline let rejectsInvalidKeys: Bool
    @usableFromInline var metrics: CacheOperationMetrics

    /// Creates a cache over a backend.
    public init(
        alias: String = "default",
        backend: any CacheBackend,
        keyPrefix: String = "",
        version: Int = 1,
        defaultTimeout: CacheLifetime = .seconds(300),
        keyFunction: CacheKeyFunction? = nil,
        coder: any CacheValueCoder = DefaultCacheValueCoder(),
        logger: Logger = Logger(label: "swift-caching")
    ) {
        self.alias = alias
        self.backend = backend
        self.keyPrefix = keyPrefix
        self.version = version
        self.defaultLifetime = defaultTimeout
        self.keyFunction = keyFunction
        self.coder = coder
        var logger = logger
        logger[metadataKey: "cache.alias"] = .string(alias)
        self.logger = logger
        self.synchronousBackend = backend as? any SynchronousCacheBackend
        self.memoryBackend = (backend as? MemoryCacheBackend).map { Unmanaged.passUnretained($0) }
        self.liveValues = backend.acceptsLiveValues
        self.rejectsInvalidKeys = backend.rejectsInvalidKeys
        self.metrics = CacheOperationMetrics(alias: alias, backend: backend, settings: CacheInstrumentation())
    }

    // MARK: Keys

    /// The final key for `key`: the key function applied to the key, the cache's
    /// prefix and `version` (or the cache's version).
    @inlinable
    public func makeKey(_ key: String, version: Int? = nil) -> String {
        let version = version ?? self.version
        if let keyFunction {
            return keyFunction.make(key, keyPrefix, version)
        }
        return CacheKeyFunction.defaultKey(key, prefix: keyPrefix, version: version)
    }

    /// Makes the final key and validates it: logs each problem as a warning, or
    /// throws when the backend rejects invalid keys.
    @inlinable
    public func makeValidatedKey(_ key: String, version: Int? = nil) throws -> String {
        let finalKey = makeKey(key, version: version)
        let problems = backend.keyProblems(finalKey)
        if !problems.isEmpty { try report(problems) }
        return finalKey
    }

    @usableFromInline
    func report(_ problems: [CacheKeyProblem]) throws {
        if rejectsInvalidKeys, let first = problems.first {
            throw CacheError.invalidKey(first.description)
        }
        for problem in problems {
            logger.warning("\(problem.description)", metadata: ["cache.warning": "CacheKeyWarning"])
        }
    }

    // MARK: Values

    @inlinable
    func encode<Value: Codable & Sendable>(_ value: Value, key: String) throws -> CacheValue {
        if liveValues { return .live(value) }
        do {
            return .bytes(try coder.encode(value))
        } catch {
            throw CacheError.unencodableValue(key: key, reason: "\(error)")
        }
    }

    @inlinable
    func decode<Value: Codable & Sendable>(_ stored: CacheValue, as type: Value.Type, key: String) throws -> Value {
        switch stored {
        case .live(let value):
            if let typed = value as? Value { return typed }
            throw CacheError.typeMismatch(key: key, expected: "\(Value.self)")
        case .bytes(let bytes):
            do {
                return try coder.decode(Value.self, from: bytes)
            } catch CacheValueCoderError.typeMismatch {
                throw CacheError.typeMismatch(key: key, expected: "\(Value.self)")
            } catch {
                throw CacheError.undecodableValue(key: key, reason: "\(error)")
            }
        }
    }

    @inlinable
    func lifetime(_ timeout: CacheTimeout) -> CacheLifetime {
        timeout.resolved(default: defaultLifetime)
    }

    // MARK: Single keys

    /// The value stored under `key`, or `nil` on a miss.
    ///
    /// Throws ``CacheError/typeMismatch(key:expected:)`` when another type is
    /// stored, and ``CacheError/undecodableValue(key:reason:)`` when the stored
    /// bytes are corrupt.
    @inlinable
    nonisolated(nonsending) public func get<Value: Codable & Sendable>(
        _ key: String, as type: Value.Type = Value.self, version: Int? = nil
    ) async throws -> Value? {
        let finalKey = try makeValidatedKey(key, version: version)
        // The memory backend with nothing observing: no timer, span or error
        // bookkeeping, which would double the cost of an in-process get.
        if let memoryBackend, !metrics.observes {
            guard var stored = memoryBackend._withUnsafeGuaranteedRef({ $0.getSynchronously(finalKey) }) else {
                return nil
            }
            if TaggedCacheValue.mayBeTagged(stored) {
                guard let valid = try await untag(stored, finalKey: finalKey) else { return nil }
                stored = valid
            }
            return try decode(stored, as: Value.self, key: finalKey)
        }
        let start = metrics.now()
        let span = metrics.startSpan(.get, key: finalKey)
        let found: CacheValue?
        do {
            if let memoryBackend {
                found = memoryBackend._withUnsafeGuaranteedRef { $0.getSynchronously(finalKey) }
            } else if let synchronousBackend {
                found = try synchronousBackend.getSynchronously(finalKey)
            } else {
                found = try await backend.get(finalKey)
            }
            metrics.finished(.get, since: start)
        } catch {
            metrics.finished(.get, since: start)
            metrics.failed(.get, error)
            metrics.endSpan(span, error: error)
            throw error
        }
        guard var stored = found else {
            metrics.miss()
            metrics.endSpan(span, result: "miss")
            return nil
        }
        if TaggedCacheValue.mayBeTagged(stored) {
            guard let valid = try await untag(stored, finalKey: finalKey) else {
                metrics.miss()
                metrics.endSpan(span, result: "miss")
                return nil
            }
            stored = valid
        }
        metrics.hit()
        metrics.endSpan(span, result: "hit")
        return try decode(stored, as: Value.self, key: finalKey)
    }

    /// The value stored under `key`, or `defaultValue` on a miss.
    @inlinable
    nonisolated(nonsending) public func get<Value: Codable & Sendable>(
        _ key: String, default defaultValue: Value, version: Int? = nil
    ) async throws -> Value {
        try await get(key, as: Value.self, version: version) ?? defaultValue
    }

    /// Stores `value` under `key`, replacing any existing value.
    ///
    /// With `tags`, the value is dropped by ``invalidate(tags:)`` of any of
    /// them (see ``invalidate(tags:)``); tags are validated like keys.
    @inlinable
    nonisolated(nonsending) public func set<Value: Codable & Sendable>(
        _ key: String, _ value: Value, timeout: CacheTimeout = .default, version: Int? = nil, tags: [String] = []
    ) async throws {
        let finalKey = try makeValidatedKey(key, version: version)
        var encoded = try encode(value, key: finalKey)
        if !tags.isEmpty { encoded = try await tagged(encoded, tags: tags) }
        if let memoryBackend, !metrics.observes {
            try memoryBackend._withUnsafeGuaranteedRef { try $0.setSynchronously(finalKey, value: encoded, lifetime: lifetime(timeout)) }
            return
        }
        try await observed(.set, key: finalKey) {
            if let memoryBackend {
                try memoryBackend._withUnsafeGuaranteedRef { try $0.setSynchronously(finalKey, value: encoded, lifetime: lifetime(timeout)) }
            } else if let synchronousBackend {
                try synchronousBackend.setSynchronously(finalKey, value: encoded, lifetime: lifetime(timeout))
            } else {
                try await backend.set(finalKey, value: encoded, lifetime: lifetime(timeout))
            }
        }
    }

    /// Stores `value` only if `key` is missing or expired. Returns whether it was
    /// stored; with a zero timeout it reports `true` and the value is already gone.
    ///
    /// An entry whose tags were invalidated counts as missing. With `tags`,
    /// the value is stored with them (see ``set(_:_:timeout:version:tags:)``).
    @inlinable @discardableResult
    public func add<Value: Codable & Sendable>(
        _ key: String, _ value: Value, timeout: CacheTimeout = .default, version: Int? = nil, tags: [String] = []
    ) async throws -> Bool {
        let finalKey = try makeValidatedKey(key, version: version)
        var encoded = try encode(value, key: finalKey)
        if !tags.isEmpty { encoded = try await tagged(encoded, tags: tags) }
        if try await observed(.add, key: finalKey, { try await backend.add(finalKey, value: encoded, lifetime: lifetime(timeout)) }) {
            return true
        }
        // The key is taken; by a value whose tags were invalidated it is not.
        guard try await dropInvalidated(finalKey) else { return false }
        return try await observed(.add, key: finalKey) { try await backend.add(finalKey, value: encoded, lifetime: lifetime(timeout)) }
    }

    /// The value under `key`; on a miss, stores `defaultValue` (with `add`, so a
    /// concurrent writer wins) and returns what the cache then holds, or
    /// `defaultValue` if the cache holds nothing.
    public func getOrSet<Value: Codable & Sendable>(
        _ key: String, default defaultValue: Value, timeout: CacheTimeout = .default, version: Int? = nil,
        tags: [String] = []
    ) async throws -> Value {
        try await getOrSet(key, timeout: timeout, version: version, tags: tags) { defaultValue }
    }

    /// The value under `key`; on a miss, calls `compute` exactly once, stores its
    /// result with `add` (so a concurrent writer wins) and returns what the cache
    /// then holds — the winner of a race — or the computed value if the cache
    /// holds nothing (zero timeout, a dummy backend, a lost race with a delete).
    ///
    /// Once the value is computed it is never thrown away: if the server
    /// becomes unusable while it is being stored
    /// (``CacheError/isServerUnavailable``), the computed value is returned
    /// and the failure logged. With a backend in the `miss` failure mode the
    /// first read is a miss too, so a cache outage means computing, never an
    /// error page.
    ///
    /// With `tags`, a computed value is stored with them.
    public func getOrSet<Value: Codable & Sendable>(
        _ key: String, timeout: CacheTimeout = .default, version: Int? = nil, tags: [String] = [],
        compute: () async throws -> Value
    ) async throws -> Value {
        if let existing = try await get(key, as: Value.self, version: version) {
            return existing
        }
        let computed = try await compute()
        do {
            try await add(key, computed, timeout: timeout, version: version, tags: tags)
            return try await get(key, as: Value.self, version: version) ?? computed
        } catch let error as CacheError where error.isServerUnavailable {
            logger.warning("getOrSet could not store the computed value; returning it uncached",
                           metadata: ["key": "\(key)", "error": "\(error)"])
            return computed
        }
    }

    /// Gives a live key a new lifetime (``CacheTimeout/default`` if omitted).
    /// Returns whether the key was live.
    @discardableResult
    public func touch(_ key: String, timeout: CacheTimeout = .default, version: Int? = nil) async throws -> Bool {
        let finalKey = try makeValidatedKey(key, version: version)
        return try await observed(.touch, key: finalKey) { try await backend.touch(finalKey, lifetime: lifetime(timeout)) }
    }

    /// Removes `key`; returns whether anything was removed.
    @discardableResult
    public func delete(_ key: String, version: Int? = nil) async throws -> Bool {
        let finalKey = try makeValidatedKey(key, version: version)
        return try await observed(.delete, key: finalKey) { try await backend.delete(finalKey) }
    }

    /// Whether `key` is present and not expired, including when it holds `nil`.
    /// It asks the backend only (no read of the value), so an entry whose
    /// tags were invalidated is present until a `get` finds it stale.
    public func hasKey(_ key: String, version: Int? = nil) async throws -> Bool {
        let finalKey = try makeValidatedKey(key, version: version)
        return try await observed(.hasKey, key: finalKey) { try await backend.hasKey(finalKey) }
    }

    /// Adds `delta` to the integer under `key`, keeping the entry's expiry, and
    /// returns the new value. Throws ``CacheError/keyNotFound(key:)`` on a miss.
    @discardableResult
    public func increment(_ key: String, by delta: Int = 1, version: Int? = nil) async throws -> Int {
        let finalKey = try makeValidatedKey(key, version: version)
        return try await observed(.increment, key: finalKey) { try await backend.increment(finalKey, by: delta) }
    }

    /// Subtracts `delta` from the integer under `key`; see ``increment(_:by:version:)``.
    @discardableResult
    public func decrement(_ key: String, by delta: Int = 1, version: Int? = nil) async throws -> Int {
        let (negated, overflow) = (0).subtractingReportingOverflow(delta)
        if overflow { throw CacheError.integerOverflow(key: makeKey(key, version: version)) }
        return try await increment(key, by: negated, version: version)
    }

    // MARK: Versions

    /// Moves the value of `key` from `version` (or the cache's version) to
    /// `version + delta`, with the default timeout, and returns the new version.
    /// Throws ``CacheError/keyNotFound(key:)`` when there is nothing to move.
    @discardableResult
    public func incrementVersion(_ key: String, by delta: Int = 1, version: Int? = nil) async throws -> Int {
        let current = version ?? self.version
        let oldKey = try makeValidatedKey(key, version: current)
        guard let stored = try await backend.get(oldKey) else {
            throw CacheError.keyNotFound(key: key)
        }
        let newVersion = current + delta
        let newKey = try makeValidatedKey(key, version: newVersion)
        try await backend.set(newKey, value: stored, lifetime: defaultLifetime)
        _ = try await backend.delete(oldKey)
        return newVersion
    }

    /// ``incrementVersion(_:by:version:)`` with `-delta`.
    @discardableResult
    public func decrementVersion(_ key: String, by delta: Int = 1, version: Int? = nil) async throws -> Int {
        try await incrementVersion(key, by: -delta, version: version)
    }

    // MARK: Many keys

    /// The present values among `keys`, by the caller's keys. Missing keys are
    /// left out; keys holding `nil` are included when `Value` is optional.
    public func getMany<Value: Codable & Sendable>(
        _ keys: some Sequence<String>, as type: Value.Type = Value.self, version: Int? = nil
    ) async throws -> [String: Value] {
        var finalKeys: [String] = []
        var originals: [String: String] = [:]
        for key in keys {
            let finalKey = try makeValidatedKey(key, version: version)
            if originals.updateValue(key, forKey: finalKey) == nil { finalKeys.append(finalKey) }
        }
        guard !finalKeys.isEmpty else { return [:] }
        var found = try await observed(.getMany, key: nil) { try await backend.getMany(finalKeys) }
        if found.values.contains(where: TaggedCacheValue.mayBeTagged) { found = try await untagMany(found) }
        var result: [String: Value] = [:]
        result.reserveCapacity(found.count)
        for (finalKey, stored) in found {
            guard let original = originals[finalKey] else { continue }
            result[original] = try decode(stored, as: Value.self, key: finalKey)
        }
        return result
    }

    /// Stores every entry; returns the caller's keys that failed to store (only
    /// memcached reports failures, as in Django). With `tags`, every entry is
    /// stored with them.
    @discardableResult
    public func setMany<Value: Codable & Sendable>(
        _ entries: [String: Value], timeout: CacheTimeout = .default, version: Int? = nil, tags: [String] = []
    ) async throws -> [String] {
        guard !entries.isEmpty else { return [] }
        var encoded: [(key: String, value: CacheValue)] = []
        encoded.reserveCapacity(entries.count)
        var originals: [String: String] = [:]
        for (key, value) in entries {
            let finalKey = try makeValidatedKey(key, version: version)
            originals[finalKey] = key
            encoded.append((finalKey, try encode(value, key: finalKey)))
        }
        if !tags.isEmpty {
            let stamps = try await currentStamps(tags)
            for index in encoded.indices {
                encoded[index].value = TaggedCacheValue(stamps: stamps, inner: encoded[index].value).stored
            }
        }
        let toStore = encoded
        let failed = try await observed(.setMany, key: nil) { try await backend.setMany(toStore, lifetime: lifetime(timeout)) }
        return failed.map { originals[$0] ?? $0 }
    }

    /// Removes every key.
    public func deleteMany(_ keys: some Sequence<String>, version: Int? = nil) async throws {
        var finalKeys: [String] = []
        for key in keys { finalKeys.append(try makeValidatedKey(key, version: version)) }
        guard !finalKeys.isEmpty else { return }
        try await observed(.deleteMany, key: nil) { try await backend.deleteMany(finalKeys) }
    }

    // MARK: Whole cache

    /// Removes every entry in the backend's storage (see each backend for scope).
    public func clear() async throws {
        try await observed(.clear, key: nil) { try await backend.clear() }
    }

    /// Releases the backend's connections; the cache stays usable.
    public func close() async throws {
        try await backend.close()
    }
}
