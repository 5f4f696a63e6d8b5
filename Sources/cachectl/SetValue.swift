import ArgumentParser
import Caching
import Foundation

/// `cachectl set ALIAS KEY VALUE`: stores a string, an integer or JSON.
struct SetValue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Store a value under a key.")

    /// How the VALUE argument is read.
    enum ValueKind: String, ExpressibleByArgument, CaseIterable {
        case string, int, json
    }

    @OptionGroup var options: SettingsOptions

    @Argument(help: "The cache alias.")
    var alias: String

    @Argument(help: "The key, as the application passes it.")
    var key: String

    @Argument(help: "The value.")
    var value: String

    @Option(help: "How to read the value: string, int or json.")
    var type: ValueKind = .string

    @Option(help: "Seconds to live (default: the alias's timeout; 'never' for no expiry).")
    var timeout: String?

    @Option(help: "The key version (default: the alias's).")
    var version: Int?

    func run() async throws {
        try await reportingFailure(settings: options.settings) {
            let cache = try options.cache(alias)
            let lifetime: CacheTimeout
            switch timeout {
            case nil: lifetime = .default
            case "never"?: lifetime = .never
            case let text?:
                guard let seconds = Double(text), seconds.isFinite else { throw CacheCommandError("--timeout must be a number of seconds or 'never'") }
                lifetime = .seconds(seconds)
            }
            switch type {
            case .string:
                try await cache.set(key, value, timeout: lifetime, version: version)
            case .int:
                guard let number = Int(value) else { throw CacheCommandError("'\(value)' is not an integer") }
                try await cache.set(key, number, timeout: lifetime, version: version)
            case .json:
                let parsed: JSONValue
                do {
                    parsed = try JSONDecoder().decode(JSONValue.self, from: Data(value.utf8))
                } catch {
                    throw CacheCommandError("the value is not valid JSON")
                }
                try await cache.set(key, parsed, timeout: lifetime, version: version)
            }
            try await cache.close()
            print("Stored '\(key)' in cache '\(alias)'.")
        }
    }
}
