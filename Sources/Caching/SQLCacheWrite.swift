import NIOCore

/// One write to a Django-style cache table (`cache_key`, `value`, `expires`),
/// as the SQL backends queue it for group commit (see ``SQLCacheGroupCommit``).
///
/// Values are checked (encoded, within the size limit) before a write is
/// queued, so a write that cannot be stored fails its caller without ever
/// joining a batch.
package enum SQLCacheWrite: Sendable {
    /// Stores `value` under `key`, replacing what is there.
    case set(key: String, value: ByteBuffer, expires: Double)
    /// Stores `value` only when `key` is absent or expired.
    case add(key: String, value: ByteBuffer, expires: Double)
    /// Gives a live `key` a new expiry.
    case touch(key: String, expires: Double)
    /// Removes `key`.
    case delete(key: String)
    /// Adds `delta` to the decimal integer a live `key` holds.
    case increment(key: String, delta: Int)

    /// The key written.
    package var key: String {
        switch self {
        case .set(let key, _, _), .add(let key, _, _), .touch(let key, _), .delete(let key), .increment(let key, _):
            return key
        }
    }

    /// Whether the write can add a row (and so counts toward culling).
    var grows: Bool {
        switch self {
        case .set, .add: return true
        case .touch, .delete, .increment: return false
        }
    }
}

/// A row to store: key, encoded value, expiry (seconds since 1970).
package struct SQLCacheRow: Sendable {
    /// The row's `cache_key`.
    package var key: String
    /// The row's `value`.
    package var value: ByteBuffer
    /// The row's `expires`.
    package var expires: Double

    /// A row with these columns.
    package init(key: String, value: ByteBuffer, expires: Double) {
        self.key = key
        self.value = value
        self.expires = expires
    }
}

/// What one ``SQLCacheWrite`` answers its caller.
package enum SQLCacheWriteOutcome: Sendable, Equatable {
    /// A `set` stored its row.
    case stored
    /// An `add`, `touch` or `delete`: whether it changed a row.
    case changed(Bool)
    /// An `increment`: the new value.
    case integer(Int)

    /// The answer of `add`, `touch` or `delete`.
    package var changed: Bool {
        if case .changed(let changed) = self { return changed }
        return false
    }
}
