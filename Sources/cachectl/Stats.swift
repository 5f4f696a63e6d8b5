import ArgumentParser
import Caching

/// `cachectl stats ALIAS`: what a cache holds, as far as its backend knows.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the entries, expired entries and bytes of a cache.")

    @OptionGroup var options: SettingsOptions

    @Argument(help: "The cache alias.")
    var alias: String

    func run() async throws {
        try await reportingFailure(settings: options.settings) {
            let cache = try options.cache(alias)
            print("backend: \(cache.backend.name)")
            if let table = cache.backend as? any CacheTableAdministration {
                let statistics = try await table.statistics()
                print("entries: \(statistics.entries)")
                print("expired: \(statistics.expired)")
                print("bytes: \(statistics.bytes)")
            } else if let file = cache.backend as? FileCacheBackend {
                print("entries: \(try await file.entryCount())")
            } else {
                print("entries: unknown (this backend does not report statistics)")
            }
            try await cache.close()
        }
    }
}
