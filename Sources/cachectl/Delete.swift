import ArgumentParser

/// `cachectl delete ALIAS KEY`: removes one key.
struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a key.")

    @OptionGroup var options: SettingsOptions

    @Argument(help: "The cache alias.")
    var alias: String

    @Argument(help: "The key, as the application passes it.")
    var key: String

    @Option(help: "The key version (default: the alias's).")
    var version: Int?

    func run() async throws {
        try await reportingFailure(settings: options.settings) {
            let cache = try options.cache(alias)
            let removed = try await cache.delete(key, version: version)
            try await cache.close()
            print(removed ? "Deleted '\(key)' from cache '\(alias)'." : "No key '\(key)' in cache '\(alias)'.")
        }
    }
}
