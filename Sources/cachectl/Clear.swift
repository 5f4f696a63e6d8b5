import ArgumentParser

/// `cachectl clear ALIAS`: removes every entry of one cache.
struct Clear: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove every entry of a cache.")

    @OptionGroup var options: SettingsOptions

    @Argument(help: "The cache alias.")
    var alias: String

    func run() async throws {
        try await reportingFailure(settings: options.settings) {
            let cache = try options.cache(alias)
            try await cache.clear()
            try await cache.close()
            print("Cache '\(alias)' cleared.")
        }
    }
}
