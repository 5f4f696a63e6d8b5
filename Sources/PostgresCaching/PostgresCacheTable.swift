import Caching

/// The SQL of one PostgreSQL cache table, with its name quoted everywhere.
///
/// The layout is Django's (`cache_key` primary key, `value`, `expires`, and an
/// index on `expires`), except that `value` is BYTEA holding the encoded bytes
/// (Django stores base64 text of a pickle) and `expires` is a DOUBLE PRECISION
/// number of seconds since 1970 (Django stores a timestamp). A value that never
/// expires has ``PostgresCacheTable/forever``, 9999-12-31T23:59:59Z.
public struct PostgresCacheTable: SQLCacheTableDefinition {
    /// The table's name as configured (the settings' `location`).
    public let name: String
    /// The name quoted for SQL.
    public let quoted: String

    /// `cache_key`, `value` and `expires` as this dialect types them.
    public static var columnTypes: (key: String, value: String, expires: String) {
        ("TEXT COLLATE \"C\"", "BYTEA", "DOUBLE PRECISION")
    }

    /// A table named `name`; any name is allowed, spaces included.
    public init(name: String) {
        self.name = name
        quoted = Self.quote(name)
    }

    var exists: String { "SELECT to_regclass($1) IS NOT NULL" }
    var select: String { "SELECT \"value\", \"expires\" FROM \(quoted) WHERE \"cache_key\" = $1" }
    var selectMany: String { "SELECT \"cache_key\", \"value\", \"expires\" FROM \(quoted) WHERE \"cache_key\" = ANY($1)" }
    var hasKey: String { "SELECT 1 FROM \(quoted) WHERE \"cache_key\" = $1 AND \"expires\" > $2" }
    var deleteExpiredKeys: String { "DELETE FROM \(quoted) WHERE \"cache_key\" = ANY($1) AND \"expires\" <= $2" }

    /// `$1` the row limit of the bounded count, then the statement's own parameters.
    private var boundedCount: String {
        "counted AS (SELECT COUNT(*) AS n FROM (SELECT 1 FROM \(quoted) LIMIT $1) AS bounded)"
    }
    private var conflict: String {
        "ON CONFLICT (\"cache_key\") DO UPDATE SET \"value\" = EXCLUDED.\"value\", \"expires\" = EXCLUDED.\"expires\""
    }
    /// Stores one row and returns the row count seen before it (bounded by `$1`).
    var set: String {
        "WITH \(boundedCount), stored AS (INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") VALUES ($2, $3, $4) "
            + "\(conflict) RETURNING 1) SELECT (SELECT n FROM counted)"
    }
    /// Inserts, or replaces only an expired row; returns the count before it and
    /// whether it stored.
    var add: String {
        "WITH \(boundedCount), stored AS (INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") VALUES ($2, $3, $4) "
            + "\(conflict) WHERE \(quoted).\"expires\" <= $5 RETURNING 1) SELECT (SELECT n FROM counted), (SELECT COUNT(*) FROM stored)"
    }
    /// Stores many rows (keys `$2`, values `$3`, one expiry `$4`).
    var setMany: String {
        "WITH \(boundedCount), stored AS (INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") "
            + "SELECT k, v, $4 FROM unnest($2::text[], $3::bytea[]) AS u(k, v) \(conflict) RETURNING 1) SELECT (SELECT n FROM counted)"
    }
    /// The row count, or `$1` when there are at least that many rows.
    var boundedCountOnly: String { "SELECT COUNT(*) FROM (SELECT 1 FROM \(quoted) LIMIT $1) AS bounded" }
    /// Stores many rows, each with its own expiry (keys `$1`, values `$2`, expiries `$3`).
    var setRows: String {
        "INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") "
            + "SELECT k, v, e FROM unnest($1::text[], $2::bytea[], $3::float8[]) AS u(k, v, e) \(conflict)"
    }
    /// ``setRows`` only when the table holds at most `$5` rows, counted up to
    /// `$4` in the same snapshot; returns that count.
    var setRowsIfCountAtMost: String {
        "WITH counted AS (SELECT COUNT(*) AS n FROM (SELECT 1 FROM \(quoted) LIMIT $4) AS bounded), "
            + "stored AS (INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") "
            + "SELECT k, v, e FROM unnest($1::text[], $2::bytea[], $3::float8[]) AS u(k, v, e) "
            + "WHERE (SELECT n FROM counted) <= $5 \(conflict) RETURNING 1) SELECT (SELECT n FROM counted)"
    }
    /// `add` for many rows (as ``setRows``, then `now` in `$4`); returns the keys stored.
    var addRows: String {
        "INSERT INTO \(quoted) (\"cache_key\", \"value\", \"expires\") "
            + "SELECT k, v, e FROM unnest($1::text[], $2::bytea[], $3::float8[]) AS u(k, v, e) \(conflict) "
            + "WHERE \(quoted).\"expires\" <= $4 RETURNING \"cache_key\""
    }
    /// Deletes the keys `$1`; returns those that had a row.
    var deleteReturning: String { "DELETE FROM \(quoted) WHERE \"cache_key\" = ANY($1) RETURNING \"cache_key\"" }
    var touch: String { "UPDATE \(quoted) SET \"expires\" = $1 WHERE \"cache_key\" = $2 AND \"expires\" > $3 RETURNING 1" }
    var delete: String { "DELETE FROM \(quoted) WHERE \"cache_key\" = $1 RETURNING 1" }
    var deleteMany: String { "DELETE FROM \(quoted) WHERE \"cache_key\" = ANY($1)" }
    /// Adds `$2` to a live decimal-integer value in place; returns the new value.
    var increment: String {
        "UPDATE \(quoted) SET \"value\" = convert_to((encode(\"value\", 'escape')::bigint + $2::bigint)::text, 'UTF8') "
            + "WHERE \"cache_key\" = $1 AND \"expires\" > $3 AND encode(\"value\", 'escape') ~ '^-?[0-9]+$' RETURNING \"value\""
    }
    var liveness: String { "SELECT \"expires\" > $2 FROM \(quoted) WHERE \"cache_key\" = $1" }
    var clear: String { "DELETE FROM \(quoted)" }
    // Culling, after the write, sparing the keys just written (`$1`).
    var clearOthers: String { "DELETE FROM \(quoted) WHERE \"cache_key\" <> ALL($1)" }
    var deleteExpiredOthers: String { "DELETE FROM \(quoted) WHERE \"expires\" < $2 AND \"cache_key\" <> ALL($1)" }
    var countOthers: String { "SELECT COUNT(*) FROM \(quoted) WHERE \"cache_key\" <> ALL($1)" }
    var keyAtOffsetOthers: String {
        "SELECT \"cache_key\" FROM \(quoted) WHERE \"cache_key\" <> ALL($1) ORDER BY \"cache_key\" LIMIT 1 OFFSET $2"
    }
    var deleteBelowOthers: String { "DELETE FROM \(quoted) WHERE \"cache_key\" < $2 AND \"cache_key\" <> ALL($1)" }
    var statistics: String {
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE \"expires\" <= $1), COALESCE(SUM(octet_length(\"value\")), 0)::bigint FROM \(quoted)"
    }
}
