import Caching

/// The SQL of one SQLite cache table, with its name quoted everywhere.
///
/// The layout is Django's (`cache_key` primary key, `value`, `expires`, and an
/// index on `expires`), with two differences that make it faster and smaller:
/// `value` holds the encoded bytes as a BLOB (Django stores base64 text of a
/// pickle), and `expires` is a REAL number of seconds since 1970 (Django stores a
/// datetime). A value that never expires has ``SQLiteCacheTable/forever``,
/// 9999-12-31T23:59:59Z, Django's `datetime.max`.
public struct SQLiteCacheTable: SQLCacheTableDefinition {
    /// The table's name as configured (the settings' `location`).
    public let name: String
    /// The name quoted for SQL.
    public let quoted: String

    /// `cache_key`, `value` and `expires` as this dialect types them.
    public static var columnTypes: (key: String, value: String, expires: String) {
        ("TEXT", "BLOB", "REAL")
    }

    /// A table named `name`; any name is allowed, spaces included.
    public init(name: String) {
        self.name = name
        quoted = Self.quote(name)
    }

    var exists: String { "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?" }
    var select: String { "SELECT \"value\", \"expires\" FROM \(quoted) WHERE \"cache_key\" = ?" }
    func selectMany(_ count: Int) -> String {
        "SELECT \"cache_key\", \"value\", \"expires\" FROM \(quoted) WHERE \"cache_key\" IN (\(Self.placeholders(count)))"
    }
    var hasKey: String { "SELECT 1 FROM \(quoted) WHERE \"cache_key\" = ? AND \"expires\" > ?" }
    var deleteExpiredKey: String { "DELETE FROM \(quoted) WHERE \"cache_key\" = ? AND \"expires\" <= ?" }
    func deleteExpiredKeys(_ count: Int) -> String {
        "DELETE FROM \(quoted) WHERE \"cache_key\" IN (\(Self.placeholders(count))) AND \"expires\" <= ?"
    }
    func upsert(_ rows: Int) -> String {
        let values = Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
        return "INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") VALUES \(values) "
            + "ON CONFLICT (\"cache_key\") DO UPDATE SET \"value\" = excluded.\"value\", \"expires\" = excluded.\"expires\""
    }
    /// Inserts, or replaces only an expired row; returns a row when it stored.
    var add: String {
        "INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") VALUES (?, ?, ?) "
            + "ON CONFLICT (\"cache_key\") DO UPDATE SET \"value\" = excluded.\"value\", \"expires\" = excluded.\"expires\" "
            + "WHERE \(quoted).\"expires\" <= ? RETURNING 1"
    }
    /// `add` for many rows (`?` triples, then `now`); returns the keys stored.
    func addMany(_ rows: Int) -> String {
        let values = Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
        return "INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") VALUES \(values) "
            + "ON CONFLICT (\"cache_key\") DO UPDATE SET \"value\" = excluded.\"value\", \"expires\" = excluded.\"expires\" "
            + "WHERE \(quoted).\"expires\" <= ?\(rows * 3 + 1) RETURNING \"cache_key\""
    }
    var touch: String { "UPDATE \(quoted) SET \"expires\" = ? WHERE \"cache_key\" = ? AND \"expires\" > ? RETURNING 1" }
    var delete: String { "DELETE FROM \(quoted) WHERE \"cache_key\" = ? RETURNING 1" }
    func deleteMany(_ count: Int) -> String {
        "DELETE FROM \(quoted) WHERE \"cache_key\" IN (\(Self.placeholders(count)))"
    }
    /// Deletes many keys; returns the keys that had a row.
    func deleteManyReturning(_ count: Int) -> String {
        "DELETE FROM \(quoted) WHERE \"cache_key\" IN (\(Self.placeholders(count))) RETURNING \"cache_key\""
    }
    /// Adds `?2` to a live decimal-integer value in place; returns the new value.
    var increment: String {
        "UPDATE \(quoted) SET \"value\" = \(SQLiteIncrementFunction.name)(\"value\", ?2) "
            + "WHERE \"cache_key\" = ?1 AND \"expires\" > ?3 AND \(SQLiteIncrementFunction.name)(\"value\", ?2) IS NOT NULL "
            + "RETURNING \"value\""
    }
    var updateValue: String { "UPDATE \(quoted) SET \"value\" = ? WHERE \"cache_key\" = ?" }
    var clear: String { "DELETE FROM \(quoted)" }
    var count: String { "SELECT COUNT(*) FROM \(quoted)" }
    /// The row count, or `?` when there are at least that many rows.
    var boundedCount: String { "SELECT COUNT(*) FROM (SELECT 1 FROM \(quoted) LIMIT ?)" }
    var deleteAllExpired: String { "DELETE FROM \(quoted) WHERE \"expires\" < ?" }
    var keyAtOffset: String { "SELECT \"cache_key\" FROM \(quoted) ORDER BY \"cache_key\" LIMIT 1 OFFSET ?" }
    var deleteBelow: String { "DELETE FROM \(quoted) WHERE \"cache_key\" < ?" }
    var statistics: String {
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN \"expires\" <= ? THEN 1 ELSE 0 END), 0), "
            + "COALESCE(SUM(LENGTH(\"value\")), 0) FROM \(quoted)"
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
