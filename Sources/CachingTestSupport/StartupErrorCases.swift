import Foundation

/// Settings files with one mistake each, and the line every executable of the
/// package must print for it (`error: <file>: <expected>`, exit status 1):
/// one table for the Hummingbird demo, the Vapor demo, `caching-proxy` and
/// `cachectl`.
public enum StartupErrorCases {
    /// The cases: a name, the file's JSON, and the message after the file name.
    public static let all: [(name: String, json: String, expected: String)] = [
        ("section", #"{"cache": {"default": {"backend": "memory"}}}"#, #"cache: unknown section "cache"; did you mean "caches"?"#),
        ("member", #"{"caches": {"default": {"backend": "memory", "optons": {}}}}"#,
         #"caches.default.optons: unknown member "optons"; did you mean "options"?"#),
        ("option", #"{"caches": {"default": {"backend": "memory", "options": {"maxEntrys": 5}}}}"#,
         #"caches.default.options.maxEntrys: unknown option "maxEntrys"; did you mean "maxEntries"?"#),
        ("version", #"{"caches": {"default": {"backend": "memory", "version": "2"}}}"#,
         #"caches.default.version: must be a whole number such as 2, not "2" (a string)"#),
        ("json", "{\n  \"caches\": {\n    \"default\": {\"backend\": \"memory\",}\n  }\n}",
         #"line 3, column 37: a trailing comma before "}" is not allowed in JSON"#),
        ("regex", #"{"cacheHeaders": {"timeouts": {"all-users": {"600": ["^/(news"]}}}}"#,
         #"cacheHeaders.timeouts.all-users.600[0]: the URL pattern "^/(news" (policy "all-users", 600 s) is not a valid regular expression: expected ')', at character 3 ("(")"#),
        ("httpcache", #"{"httpCache": {"mode": "shared", "cache": "pages"}}"#,
         "httpCache.cache: The cache alias 'pages' doesn't exist; the configured aliases are default"),
    ]

    /// The cases that concern only the caches (for tools that read no HTTP sections).
    public static let cacheCases = ["section", "member", "option", "version", "json"]

    /// A new directory with one settings file per case, `<name>.json`.
    public static func workspace() throws -> String {
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-startup-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for entry in all {
            try entry.json.write(toFile: "\(directory)/\(entry.name).json", atomically: true, encoding: .utf8)
        }
        return directory
    }
}
