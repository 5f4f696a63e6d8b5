import Caching
import Foundation

/// The one line the executables (`caching-demo`, `cachectl`, `caching-proxy`)
/// print for an error before exiting with status 1:
/// `error: <file>: <json path>: <what to fix>`.
///
/// One implementation, so the three tools report a settings mistake the same
/// way, naming the settings file even when the error was found by a module that
/// only saw the parsed document (`HTTPCacheSettings`, `CacheHeadersConfiguration`).
public enum StartupErrorLine {
    /// The line for `error`; a `CacheConfigurationError` without a file is
    /// located in `settingsFile`. Line breaks inside a message are folded.
    public static func format(_ error: any Error, settingsFile: String?) -> String {
        let text: String
        if let configuration = error as? CacheConfigurationError {
            text = configuration.inFile(settingsFile).message
        } else {
            text = "\(error)"
        }
        return "error: " + text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Writes the line for `error` to standard error.
    public static func report(_ error: any Error, settingsFile: String?) {
        FileHandle.standardError.write(Data((format(error, settingsFile: settingsFile) + "\n").utf8))
    }
}
