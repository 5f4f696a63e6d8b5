import Caching

extension CacheBackendRegistry {
    /// Makes the SQLite backend available to settings as `sqlite` (also
    /// `sqlite3`), and as Django's `django.core.cache.backends.db.DatabaseCache`:
    /// Django's database cache lives in the application's database, which is
    /// SQLite by default, and settings here name no database, so the dotted path
    /// means "a database cache in an SQLite file". Name `postgres` explicitly for
    /// PostgreSQL.
    ///
    /// The settings' `location` is the table name. Options: `path` (the database
    /// file, default `cache.sqlite3` in the working directory; its directory must
    /// exist), `replicaPath` (a read-only replica to read from), `maxEntries`
    /// (300), `cullFrequency` (3), `createTable` (true: create the table on first
    /// use), `poolSize` (4 connections), `maxValueBytes`, `failureMode`
    /// (`"error"`, the default, or `"miss"`: a file that cannot be opened or
    /// written gives misses; see `CacheFailureMode`).
    ///
    /// ```json
    /// { "caches": { "default": { "backend": "sqlite", "location": "cache_table",
    ///                            "options": { "path": "/var/lib/myapp/cache.sqlite3" } } } }
    /// ```
    public mutating func registerSQLiteBackend() {
        register("sqlite", aliases: ["sqlite3", "django.core.cache.backends.db.DatabaseCache"], options: [
            "path",
            "replicaPath",
            "maxEntries",
            "cullFrequency",
            "createTable",
            "poolSize",
            "maxValueBytes",
            "failureMode",
        ]) { context in
            let options = context.options
            let table = context.configuration.location
            guard !table.isEmpty else {
                throw CacheConfigurationError(
                    "Cache '\(context.alias)' (backend 'sqlite') needs a 'location': the name of the cache table")
            }
            let path = try options.string("path") ?? "cache.sqlite3"
            guard !path.isEmpty else { throw options.error("path", "must name the SQLite database file") }
            let configuration = SQLiteCacheBackend.Configuration(
                path: path,
                table: table,
                replicaPath: try options.string("replicaPath"),
                maxEntries: try options.int("maxEntries", default: 300),
                cullFrequency: try options.int("cullFrequency", default: 3, minimum: 0),
                createTable: try options.bool("createTable") ?? true,
                poolSize: try options.int("poolSize", default: 4, minimum: 1),
                maxValueBytes: try options.int("maxValueBytes", default: 1_000_000_000, minimum: 1),
                failureMode: try options.failureMode()
            )
            try options.finish()
            if !path.hasPrefix("/") {
                context.logger.warning("the SQLite cache path is relative; it is resolved against the working directory",
                                       metadata: ["path": "\(path)"])
            }
            return SQLiteCacheBackend(configuration: configuration, logger: context.logger)
        }
    }
}
