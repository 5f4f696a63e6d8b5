/// What the SQL cache tables share, written once: Django's layout (a
/// `cache_key` primary key, `value`, `expires`, an index on `expires`), the
/// quoting of names, and the "never expires" time.
///
/// `SQLiteCacheTable` and `PostgresCacheTable` adopt it and add their own
/// dialect's statements (placeholders, `IN (…)` against `= ANY($1)`); only the
/// column types differ in the table itself.
public protocol SQLCacheTableDefinition: Sendable, Hashable {
    /// The table's name as configured (the settings' `location`).
    var name: String { get }
    /// The name quoted for SQL, `Self.quote(name)`: the tables keep it, since
    /// every statement of every call names the table (quoting on each call
    /// showed as 4.5 % of a PostgreSQL get's CPU).
    var quoted: String { get }
    /// The SQL types of `cache_key`, `value` and `expires`, with any
    /// collation (PostgreSQL compares keys bytewise, as SQLite does).
    static var columnTypes: (key: String, value: String, expires: String) { get }
}

extension SQLCacheTableDefinition {
    /// The `expires` of a value that never expires: 9999-12-31T23:59:59Z,
    /// Django's `datetime.max`, in seconds since 1970.
    public static var forever: Double { 253_402_300_799 }

    /// An SQL identifier in double quotes, inner quotes doubled (so any
    /// table name works, spaces and quotes included).
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The statements that create the table and its index (what `cachectl
    /// createcachetable --dry-run` prints).
    public var creationStatements: [String] {
        creation(ifMissing: false).map { $0 + ";" }
    }

    /// The same statements, made idempotent, for creating the table on first use.
    package var creationStatementsIfMissing: [String] {
        creation(ifMissing: true)
    }

    private func creation(ifMissing: Bool) -> [String] {
        let types = Self.columnTypes
        let guardClause = ifMissing ? "IF NOT EXISTS " : ""
        return [
            "CREATE TABLE \(guardClause)\(quoted) (\"cache_key\" \(types.key) NOT NULL PRIMARY KEY, "
                + "\"value\" \(types.value) NOT NULL, \"expires\" \(types.expires) NOT NULL)",
            "CREATE INDEX \(guardClause)\(Self.quote(name + "_expires")) ON \(quoted) (\"expires\")",
        ]
    }
}
