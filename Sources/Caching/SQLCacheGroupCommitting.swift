import NIOCore

/// What the SQL backends' single-key writes share above their dialects:
/// `set`, `add`, `touch`, `delete` and `increment` as calls queued for the
/// next group commit (``SQLCacheGroupCommit``), how a value becomes a row's
/// bytes, and how a lifetime becomes a row's `expires`.
///
/// Why: Django has one `DatabaseCache` over every database; the SQLite and
/// PostgreSQL backends differ in their connections and their SQL, not in these
/// rules, so the rules are written once. Each backend keeps its own
/// connections, its failure mode's breaker and its batch runner (the
/// requirements below).
package protocol SQLCacheGroupCommitting: CacheBackend {
    /// The table, for its dialect's "never expires" time.
    associatedtype Table: SQLCacheTableDefinition

    /// The cache table.
    var table: Table { get }
    /// The largest value stored, in bytes.
    var maxValueBytes: Int { get }
    /// The backend as error messages name it: "the SQLite backend".
    var backendDescription: String { get }
    /// Now, in seconds since 1970, on the clock expiry is measured on.
    var now: Double { get }

    /// Runs `body` with the backend's failure mode applied; while the
    /// database is unreachable in the `miss` mode, answers `whenDown()`.
    func guarded<T>(write: Bool, whenDown: () throws -> T, _ body: () async throws -> T) async throws -> T

    /// Queues `write` for the next group commit; returns its own outcome.
    func submit(_ write: SQLCacheWrite) async throws -> SQLCacheWriteOutcome
}

extension SQLCacheGroupCommitting {
    /// `set`: one upsert in the next group commit. A value too large to store
    /// also deletes the key, as Django's memcached backend does, so the old
    /// value is not served as current.
    package func committedSet(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        try await guarded(write: true, whenDown: {}) {
            let bytes: ByteBuffer
            do {
                bytes = try storable(value, key: key)
            } catch let error as CacheError {
                if case .valueTooLarge = error { _ = try? await delete(key) }
                throw error
            }
            _ = try await submit(.set(key: key, value: bytes, expires: expiry(lifetime, now: now)))
        }
    }

    /// `add`: an upsert that replaces only an expired row; whether it stored.
    package func committedAdd(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        try await guarded(write: true, whenDown: { false }) {
            let bytes = try storable(value, key: key)
            return try await submit(.add(key: key, value: bytes, expires: expiry(lifetime, now: now))).changed
        }
    }

    /// `touch`: a new expiry for a live row; whether there was one.
    package func committedTouch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        try await guarded(write: true, whenDown: { false }) {
            try await submit(.touch(key: key, expires: expiry(lifetime, now: now))).changed
        }
    }

    /// `delete`: whether a row went.
    package func committedDelete(_ key: String) async throws -> Bool {
        try await guarded(write: true, whenDown: { false }) {
            try await submit(.delete(key: key)).changed
        }
    }

    /// `increment`: the new value of a live decimal integer, updated in place.
    package func committedIncrement(_ key: String, by delta: Int) async throws -> Int {
        try await guarded(write: true, whenDown: { () throws -> Int in throw CacheError.keyNotFound(key: key) }) {
            guard case .integer(let value) = try await submit(.increment(key: key, delta: delta)) else {
                throw CacheError.backendFailure(backend: name, message: "an increment of \(key) got no integer (please report this bug)")
            }
            return value
        }
    }

    /// A value's bytes as a row stores them; only encoded values within
    /// ``maxValueBytes`` are stored.
    package func storable(_ value: CacheValue, key: String) throws -> ByteBuffer {
        guard case .bytes(let bytes) = value else {
            throw CacheError.unencodableValue(key: key, reason: "\(backendDescription) stores encoded values only")
        }
        guard bytes.count <= maxValueBytes else {
            throw CacheError.valueTooLarge(key: key, size: bytes.count, limit: maxValueBytes)
        }
        return ByteBuffer(bytes: bytes)
    }

    /// A row's `expires` for `lifetime` from `now`: no later than the
    /// table's "never expires" time.
    package func expiry(_ lifetime: CacheLifetime, now: Double) -> Double {
        min(lifetime.deadline(now: now) ?? Table.forever, Table.forever)
    }
}
