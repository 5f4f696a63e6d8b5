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
/// Members of an alias: `backend` (required), `location` (a string, or a list of server
/// locations joined with `;`), `timeout` (a number of
/// seconds, or `null` for never), `keyPrefix`, `version`, `keyFunction` and
/// `options`. Anything else is an error that names it.
public struct CacheSettings: Sendable {
    /// The aliases and their settings.
    public var caches: [String: CacheConfiguration]
    /// The whole settings document, for sections other than `caches`.
    public var document: JSONValue

    /// Settings built in code.
    public init(caches: [String: CacheConfiguration], document: JSONValue = .object([:])) {
        self.caches = caches
        self.document = document
    }

    /// Django's default: one `default` alias on the memory backend.
    public static var `default`: CacheSettings {
        CacheSettings(caches: ["default": CacheConfiguration(backend: "memory")])
    }

    /// Reads settings from a JSON file.
    public static func load(contentsOf path: String) throws -> CacheSettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CacheConfigurationError("Cannot read the settings file '\(path)': it does not exist or is not readable")
        }
        do {
            return try CacheSettings(json: data)
        } catch let error as CacheConfigurationError {
            throw CacheConfigurationError("\(path): \(error.message)")
        }
    }

    /// Parses settings from JSON bytes.
    public init(json: Data) throws {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            throw CacheConfigurationError("The settings are not valid JSON: \(Self.describe(error))")
        }
        try self.init(document: document)
    }

    /// Reads the `caches` section of a parsed settings document. A document with
    /// no `caches` section gets Django's default.
    public init(document: JSONValue) throws {
        guard case .object(let root) = document else {
            throw CacheConfigurationError("The settings must be a JSON object, not \(document.kind)")
        }
        guard let section = root["caches"] else {
            self = .default
            self.document = document
            return
        }
        guard case .object(let aliases) = section else {
            throw CacheConfigurationError("\"caches\" must be an object of aliases, not \(section.kind)")
        }
        var caches: [String: CacheConfiguration] = [:]
        for (alias, value) in aliases {
            caches[alias] = try Self.configuration(alias: alias, value)
        }
        self.init(caches: caches, document: document)
    }

    private static let members: Set<String> = ["backend", "location", "timeout", "keyPrefix", "version", "keyFunction", "options"]

    private static func configuration(alias: String, _ value: JSONValue) throws -> CacheConfiguration {
        guard case .object(let object) = value else {
            throw CacheConfigurationError("Cache '\(alias)' must be an object, not \(value.kind)")
        }
        for key in object.keys where !members.contains(key) {
            throw CacheConfigurationError(
                "Cache '\(alias)' has an unknown setting '\(key)'; the settings are \(members.sorted().joined(separator: ", "))"
            )
        }
        func string(_ name: String) throws -> String? {
            switch object[name] {
            case nil: return nil
            case .string(let string): return string
            case .some(let other):
                throw CacheConfigurationError("Cache '\(alias)': '\(name)' must be a string, not \(other.kind)")
            }
        }
        guard let backend = try string("backend") else {
            throw CacheConfigurationError("Cache '\(alias)' has no 'backend'; name one of the registered backends, such as \"memory\"")
        }
        var configuration = CacheConfiguration(backend: backend)
        switch object["location"] {
        case .array(let items):
            // Django's list of server locations; backends split on ";" and ",".
            configuration.location = try items.map { item -> String in
                guard case .string(let text) = item else {
                    throw CacheConfigurationError("Cache '\(alias)': 'location' must be a string or a list of strings")
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
            guard let seconds = Double(text) else {
                throw CacheConfigurationError("Cache '\(alias)': 'timeout' must be a number of seconds or null, not \"\(text)\"")
            }
            configuration.timeout = .seconds(seconds)
        case .some(let other):
            throw CacheConfigurationError("Cache '\(alias)': 'timeout' must be a number of seconds or null, not \(other.kind)")
        }
        switch object["version"] {
        case nil: break
        case .number(let number) where number == number.rounded() && abs(number) < 1e15:
            configuration.version = Int(number)
        case .some(let other):
            throw CacheConfigurationError("Cache '\(alias)': 'version' must be an integer, not \(other)")
        }
        switch object["options"] {
        case nil: break
        case .object(let options): configuration.options = options
        case .some(let other):
            throw CacheConfigurationError("Cache '\(alias)': 'options' must be an object, not \(other.kind)")
        }
        return configuration
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}
