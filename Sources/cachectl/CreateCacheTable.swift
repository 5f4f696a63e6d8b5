import ArgumentParser
import Caching

/// `cachectl createcachetable [ALIAS...] [--dry-run]`: Django's
/// `createcachetable` for the database aliases of the settings.
struct CreateCacheTable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "createcachetable",
        abstract: "Create the cache table of every database alias (or the named ones).")

    @OptionGroup var options: SettingsOptions

    @Argument(help: "Aliases to create tables for (default: every database alias).")
    var aliases: [String] = []

    @Flag(name: .long, help: "Print the SQL instead of running it.")
    var dryRun = false

    func run() async throws {
        try await reportingFailure(settings: options.settings) {
            let caches = try options.caches()
            let selected: [(String, any CacheTableAdministration)]
            if aliases.isEmpty {
                selected = caches.aliases.compactMap { alias in
                    (caches.cacheIfConfigured(alias)?.backend as? any CacheTableAdministration).map { (alias, $0) }
                }
            } else {
                selected = try aliases.map { alias in
                    guard let table = try caches[alias].backend as? any CacheTableAdministration else {
                        throw CacheConfigurationError("Cache '\(alias)' does not use a database backend; it has no table")
                    }
                    return (alias, table)
                }
            }
            for (_, table) in selected {
                if dryRun {
                    for statement in table.creationStatements { print(statement) }
                    continue
                }
                if try await table.createTable() {
                    print("Cache table '\(table.tableName)' created.")
                } else {
                    print("Cache table '\(table.tableName)' already exists.")
                }
            }
            await caches.closeAll()
        }
    }
}
