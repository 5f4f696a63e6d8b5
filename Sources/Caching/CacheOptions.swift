/// A backend's view of its `options`, which it reads by name and type.
///
/// Every read is checked: a value of the wrong type is an error that names the
/// alias and the option, and ``finish()`` reports options the backend never read
/// (a typo such as `maxEntires` is an error, never silently ignored).
public final class CacheOptions {
    /// The alias being configured.
    public let alias: String
    /// The backend name being configured.
    public let backend: String
    private let values: [String: JSONValue]
    private var read: Set<String> = []

    /// Wraps one alias's options.
    public init(alias: String, backend: String, values: [String: JSONValue]) {
        self.alias = alias
        self.backend = backend
        self.values = values
    }

    /// An error about one option.
    public func error(_ name: String, _ problem: String) -> CacheConfigurationError {
        CacheConfigurationError("Cache '\(alias)' (backend '\(backend)'): option '\(name)' \(problem)")
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
        case .number(let number)? where number == number.rounded() && abs(number) < 9e15:
            return Int(number)
        case .string(let text)?:
            guard let number = Int(text) else { throw error(name, "must be an integer, not \"\(text)\"") }
            return number
        case let other?:
            throw error(name, "must be an integer, not \(other)")
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
        case let other?: throw error(name, "must be a number, not \(other.kind)")
        }
    }

    /// A string option.
    public func string(_ name: String) throws -> String? {
        switch value(name) {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw error(name, "must be a string, not \(other.kind)")
        }
    }

    /// A boolean option.
    public func bool(_ name: String) throws -> Bool? {
        switch value(name) {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case let other?: throw error(name, "must be true or false, not \(other.kind)")
        }
    }

    /// A list-of-strings option (a single string is a list of one).
    public func strings(_ name: String) throws -> [String]? {
        switch value(name) {
        case nil, .null?: return nil
        case .string(let text)?: return [text]
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let text) = item else { throw error(name, "must be a list of strings") }
                return text
            }
        case let other?: throw error(name, "must be a list of strings, not \(other.kind)")
        }
    }

    /// Throws when an option was given that the backend did not read.
    public func finish() throws {
        let unknown = Set(values.keys).subtracting(read).sorted()
        guard let first = unknown.first else { return }
        let known = read.sorted()
        throw CacheConfigurationError(
            "Cache '\(alias)' (backend '\(backend)') has an unknown option '\(first)'; "
                + (known.isEmpty ? "this backend takes no options" : "its options are \(known.joined(separator: ", "))")
        )
    }
}
