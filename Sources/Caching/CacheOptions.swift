/// A backend's view of its `options`, which it reads by name and type.
///
/// Every read is checked: a value of the wrong type is an error that names the
/// option's JSON path (`caches.default.options.maxEntries`). Unknown options are
/// refused before the backend's factory runs when its registry entry declares
/// its option names; otherwise ``finish()`` reports options the backend never
/// read (a typo such as `maxEntires` is an error, never silently ignored).
public final class CacheOptions {
    /// The alias being configured.
    public let alias: String
    /// The backend name being configured.
    public let backend: String
    private let values: [String: JSONValue]
    private var read: Set<String> = []
    /// The option names the backend declared, when it did.
    private let declared: [String]

    /// Wraps one alias's options; `declared` are the option names the backend's
    /// registry entry accepts (checked by ``CacheBackendRegistry`` before the
    /// factory runs).
    public init(alias: String, backend: String, values: [String: JSONValue], declared: [String] = []) {
        self.alias = alias
        self.backend = backend
        self.values = values
        self.declared = declared
    }

    /// The JSON path of the options: `caches.<alias>.options`.
    public var path: String { "caches.\(alias).options" }

    /// An error about one option, at its JSON path; `problem` says what the
    /// value must be ("must be a positive number of seconds").
    public func error(_ name: String, _ problem: String) -> CacheConfigurationError {
        CacheConfigurationError(problem, path: SettingsMembers.path(path, name))
    }

    /// The raw value of an option, marked as read.
    public func value(_ name: String) -> JSONValue? {
        read.insert(name)
        return values[name]
    }

    /// An integer option.
    public func int(_ name: String) throws -> Int? {
        switch value(name) {
        case nil, .null?: return nil
        case let number? where number.integer != nil:
            return number.integer
        case .string(let text)?:
            guard let number = Int(text) else { throw error(name, "must be a whole number, not \"\(text)\"") }
            return number
        case let other?:
            throw error(name, "must be a whole number, not \(other.quoted)")
        }
    }

    /// An integer option that must be at least `minimum`.
    public func int(_ name: String, default defaultValue: Int, minimum: Int? = nil) throws -> Int {
        let number = try int(name) ?? defaultValue
        if let minimum, number < minimum { throw error(name, "must be at least \(minimum), not \(number)") }
        return number
    }

    /// A number option.
    public func double(_ name: String) throws -> Double? {
        switch value(name) {
        case nil, .null?: return nil
        case .number(let number)?: return number
        case let other?: throw error(name, "must be a number, not \(other.quoted)")
        }
    }

    /// A string option.
    public func string(_ name: String) throws -> String? {
        switch value(name) {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw error(name, "must be a string, not \(other.quoted)")
        }
    }

    /// A boolean option.
    public func bool(_ name: String) throws -> Bool? {
        switch value(name) {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let other?: throw error(name, "must be true or false, not \(other.quoted)")
        }
    }

    /// A list-of-strings option (a single string is a list of one).
    public func strings(_ name: String) throws -> [String]? {
        switch value(name) {
        case nil, .null?: return nil
        case .string(let text)?: return [text]
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let text) = item else { throw error(name, "must be a list of strings, not a list holding \(item.quoted)") }
                return text
            }
        case let other?: throw error(name, "must be a list of strings, not \(other.quoted)")
        }
    }

    /// Throws when an option was given that the backend did not read (for
    /// backends whose registry entry does not declare its option names).
    public func finish() throws {
        let known = read.union(declared).sorted()
        try SettingsMembers.check(values.keys, known: known, at: path, kind: "option")
    }
}
