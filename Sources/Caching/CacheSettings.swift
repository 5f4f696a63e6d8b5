import Foundation

/// The settings of one cache alias: Django's `CACHES[alias]`.
public struct CacheConfiguration: Sendable {
    /// The backend's registered name: `memory`, `file`, `dummy`, `sqlite`,
    /// `postgres`, `redis`, `memcached`, or a custom one. Django's dotted paths
    /// (`django.core.cache.backends.locmem.LocMemCache`) are accepted too.
    public var backend: String
    /// The backend's location: a memory store's name, a directory, a table, server URLs.
    public var location: String
    /// The default timeout (300 seconds unless set; `.never` for none).
    public var timeout: CacheTimeout
    /// Prepended to every key.
    public var keyPrefix: String
    /// The default key version.
    public var version: Int
    /// A custom key function, in code.
    public var keyFunction: CacheKeyFunction?
    /// The name of a key function registered with ``CacheBackendRegistry``
    /// (`"keyFunction"` in JSON).
    public var keyFunctionName: String?
    /// Backend-specific options; each backend names the ones it knows, and an
    /// unknown one is an error.
    public var options: [String: JSONValue]

    /// The members an alias accepts in a settings file (Django's `CACHES`
    /// keys, in this package's spelling); anything else is an error. Add one line
    /// for a new member.
    public static let members: [String] = [
        "backend",
        "location",
        "timeout",
        "keyPrefix",
        "version",
        "keyFunction",
        "options",
    ]

    /// Creates the settings of one alias; the defaults are Django's.
    public init(
        backend: String,
        location: String = "",
        timeout: CacheTimeout = .seconds(300),
        keyPrefix: String = "",
        version: Int = 1,
        keyFunction: CacheKeyFunction? = nil,
        keyFunctionName: String? = nil,
        options: [String: JSONValue] = [:]
    ) {
        self.backend = backend
        self.location = location
        self.timeout = timeout
        self.keyPrefix = keyPrefix
        self.version = version
        self.keyFunction = keyFunction
        self.keyFunctionName = keyFunctionName
        self.options = options
    }

    /// The servers named by a distributed backend's `location`: separated by
    /// `;` or `,` as Django splits it (a JSON list arrives joined with `;`),
    /// each trimmed of whitespace, blanks dropped.
    public static func serverLocations(in location: String) -> [String] {
        location.split(whereSeparator: { $0 == ";" || $0 == "," }).compactMap { part in
            let trimmed = part.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
            return trimmed.isEmpty ? nil : String(trimmed)
        }
    }
}

/// The cache settings of an application: Django's `CACHES`, plus the rest of the
/// settings file for other modules to read.
///
/// A settings file is JSON:
///
/// ```json
/// {
///   "caches": {
///     "default": { "backend": "memory", "timeout": 300, "options": { "maxEntries": 10000 } },
///     "pages":   { "backend": "file", "location": "/var/cache/myapp", "keyPrefix": "v2" }
///   }
/// }
/// ```
///
/// Members of an alias (``CacheConfiguration/members``): `backend` (required),
/// `location` (a string, or a list of server locations joined with `;`),
/// `timeout` (a number of seconds, or `null` for never), `keyPrefix`, `version`,
/// `keyFunction` and `options`. Top-level sections are those of
/// ``packageSections`` and the application's own (`additionalSections`). Anything
/// else is an error that names it and its JSON path.
public struct CacheSettings: Sendable {
    /// The aliases and their settings.
    public var caches: [String: CacheConfiguration]
    /// The whole settings document, for sections other than `caches`.
    public var document: JSONValue
    /// The file the settings were read from (`nil` when built in code), so that
    /// errors found later, in any section, can name it.
    public var file: String?

    /// The top-level sections the package's modules read, each declared here by
    /// name so that a misspelt section (`"cache"`, `"httpcache"`) is an error
    /// rather than silently ignored: `caches` (this type), `httpCache`
    /// (HTTPCaching's `HTTPCacheSettings`), `cacheHeaders` (HTTPCaching's
    /// `CacheHeadersConfiguration`). Add one line for a new section.
    public static let packageSections: [String] = [
        "caches",
        "httpCache",
        "cacheHeaders",
    ]

    /// Settings built in code.
    public init(caches: [String: CacheConfiguration], document: JSONValue = .object([:])) {
        self.caches = caches
        self.document = document
    }

    /// Django's default: one `default` alias on the memory backend.
    public static var `default`: CacheSettings {
        CacheSettings(caches: ["default": CacheConfiguration(backend: "memory")])
    }

    /// Reads settings from a JSON file. `additionalSections` names the
    /// application's own top-level sections, which this type leaves alone; any
    /// other unknown section is an error. Every error names the file.
    public static func load(contentsOf path: String, additionalSections: [String] = []) throws -> CacheSettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            let problem = FileManager.default.fileExists(atPath: path)
                ? "the settings file cannot be read; check its permissions"
                : "the settings file does not exist; check the path (relative paths start in \(FileManager.default.currentDirectoryPath))"
            throw CacheConfigurationError(problem, file: path)
        }
        do {
            var settings = try CacheSettings(json: data, additionalSections: additionalSections)
            settings.file = path
            return settings
        } catch let error as CacheConfigurationError {
            throw error.inFile(path)
        }
    }

    /// Parses settings from JSON bytes; malformed JSON is an error with its line
    /// and column.
    public init(json: Data, additionalSections: [String] = []) throws {
        try self.init(document: JSONParser.parse(json), additionalSections: additionalSections)
    }

    /// Reads the `caches` section of a parsed settings document, after checking
    /// that every top-level section is known. A document with no `caches`
    /// section gets Django's default.
    public init(document: JSONValue, additionalSections: [String] = []) throws {
        guard case .object(let root) = document else {
            throw CacheConfigurationError(
                "the settings must be a JSON object such as {\"caches\": {...}}, not \(document.kind)", path: "(top level)")
        }
        try SettingsMembers.check(root.keys, known: Self.packageSections + additionalSections, at: "", kind: "section")
        guard let section = root["caches"] else {
            self = .default
            self.document = document
            return
        }
        guard case .object(let aliases) = section else {
            throw CacheConfigurationError("must be an object of aliases such as {\"default\": {...}}, not \(section.quoted)", path: "caches")
        }
        var caches: [String: CacheConfiguration] = [:]
        for (alias, value) in aliases {
            caches[alias] = try Self.configuration(alias: alias, value)
        }
        self.init(caches: caches, document: document)
    }

    private static func configuration(alias: String, _ value: JSONValue) throws -> CacheConfiguration {
        let path = "caches." + alias
        guard case .object(let object) = value else {
            throw CacheConfigurationError("must be an object with a \"backend\", not \(value.quoted)", path: path)
        }
        try SettingsMembers.check(object.keys, known: CacheConfiguration.members, at: path)
        func string(_ name: String) throws -> String? {
            switch object[name] {
            case nil: return nil
            case .string(let string): return string
            case .some(let other):
                throw CacheConfigurationError("must be a string, not \(other.quoted)", path: path + "." + name)
            }
        }
        guard let backend = try string("backend") else {
            throw CacheConfigurationError(
                "has no \"backend\"; name one, such as \"memory\", \"file\", \"redis\" or \"memcached\"", path: path)
        }
        var configuration = CacheConfiguration(backend: backend)
        switch object["location"] {
        case .array(let items):
            // Django's list of server locations; backends split on ";" and ",".
            configuration.location = try items.map { item -> String in
                guard case .string(let text) = item else {
                    throw CacheConfigurationError("must be a string or a list of strings, not a list holding \(item.quoted)", path: path + ".location")
                }
                return text
            }.joined(separator: ";")
        default:
            configuration.location = try string("location") ?? ""
        }
        configuration.keyPrefix = try string("keyPrefix") ?? ""
        configuration.keyFunctionName = try string("keyFunction")
        switch object["timeout"] {
        case nil: break
        case .null: configuration.timeout = .never
        case .number(let seconds): configuration.timeout = .seconds(seconds)
        case .string(let text):
            // Swift's Double(_:) also reads "nan", "inf" and "1e999"; none is a lifetime.
            guard let seconds = Double(text), seconds.isFinite else {
                throw CacheConfigurationError("must be a number of seconds or null (never expires), not \"\(text)\"", path: path + ".timeout")
            }
            configuration.timeout = .seconds(seconds)
        case .some(let other):
            throw CacheConfigurationError("must be a number of seconds or null (never expires), not \(other.quoted)", path: path + ".timeout")
        }
        switch object["version"] {
        case nil: break
        case let number? where number.integer != nil:
            configuration.version = number.integer ?? 1
        case .some(let other):
            throw CacheConfigurationError("must be a whole number such as 2, not \(other.quoted)", path: path + ".version")
        }
        switch object["options"] {
        case nil: break
        case .object(let options): configuration.options = options
        case .some(let other):
            throw CacheConfigurationError("must be an object of the backend's options, not \(other.quoted)", path: path + ".options")
        }
        return configuration
    }
}
