import ArgumentParser
import Caching
import Foundation

/// `cachectl get ALIAS KEY`: prints a value (the key goes through the alias's
/// prefix, version and key function, as in the application).
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the value stored under a key.")

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
            let found = try await cache.backend.get(cache.makeValidatedKey(key, version: version))
            try await cache.close()
            guard let stored = found else {
                throw CacheCommandError("no value for key '\(key)' in cache '\(alias)'")
            }
            print(Self.render(stored, coder: cache.coder))
        }
    }

    /// A stored value for people: strings as they are, numbers and JSON as
    /// JSON, raw bytes as their size and hex.
    static func render(_ stored: CacheValue, coder: any CacheValueCoder) -> String {
        guard case .bytes(let bytes) = stored else { return "\(stored)" }
        if let value = try? coder.decode(JSONValue.self, from: bytes) {
            if case .string(let text) = value { return text }
            if let json = try? JSONEncoder().encode(value) { return String(decoding: json, as: UTF8.self) }
        }
        let hex = bytes.prefix(64).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "<\(bytes.count) bytes: \(hex)\(bytes.count > 64 ? "..." : "")>"
    }
}

/// A failure of a command (not of the settings or a backend).
struct CacheCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
