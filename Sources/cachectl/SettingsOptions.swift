import ArgumentParser
import Caching
import Logging
import CachingBackends
import PostgresCaching

/// The `--settings` option every subcommand takes, and the caches it describes.
struct SettingsOptions: ParsableArguments {
    @Option(name: .long, help: "The settings JSON file (the application's).")
    var settings: String = "caches.json"

    /// The backends cachectl can build: every backend of the package,
    /// PostgreSQL always (cachectl creates its tables, so it links it anyway).
    static var registry: CacheBackendRegistry {
        var registry = CacheBackendRegistry.allBackends
        registry.registerPostgresBackend()
        return registry
    }

    /// Loads the settings and builds every alias. Logging is quiet: warnings
    /// would clutter the output of a command-line tool.
    func caches() throws -> Caches {
        var logger = Logger(label: "cachectl")
        logger.logLevel = .error
        return try Caches(settings: CacheSettings.load(contentsOf: settings), registry: Self.registry, logger: logger)
    }

    /// The cache of one alias.
    func cache(_ alias: String) throws -> Cache {
        try caches()[alias]
    }
}

/// Runs a subcommand's work; any error becomes one line on standard error
/// (`error: <file>: <json path>: <what to fix>` for a settings mistake) and
/// exit code 1.
func reportingFailure(settings: String? = nil, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        printError(StartupErrorLine.format(error, settingsFile: settings))
        throw ExitCode.failure
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    var stream = StandardError()
    print(line, to: &stream)
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { buffer in systemWrite(2, buffer.baseAddress, buffer.count) }
    }
}

#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Musl)
import Musl
private let systemWrite = Musl.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif
