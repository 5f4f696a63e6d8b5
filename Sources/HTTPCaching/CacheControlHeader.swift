/// A `Cache-Control` value with Django's `patch_cache_control` merge rules.
///
/// Directives keep their order (existing first) and their values verbatim;
/// names are lower-cased. `no-cache` gathers a set of values (a bare `no-cache`
/// wins over field names). Patching `max-age` onto an existing `max-age` keeps
/// the smaller; `public` removes `private` and `private` removes `public`.
/// Output joins directives with `, `, a bare directive as its name.
///
/// This type is for writing headers as Django does; the shared-cache mode reads
/// them with ``CacheDirectives``, which follows RFC 9111's parsing instead.
public struct CacheControlHeader: Sendable, Equatable, CustomStringConvertible {
    /// A directive's value: present without an argument, or an argument.
    public enum Value: Sendable, Hashable {
        /// A bare directive, such as `public`.
        case present
        /// A directive with an argument, kept verbatim, such as `max-age=60`.
        case argument(String)
    }

    /// One directive of a patch.
    public struct Directive: Sendable, Equatable {
        /// The directive's name, as written (Django turns `_` into `-` and does
        /// not lower-case patch names).
        public var name: String
        /// Its value.
        public var value: Value

        /// Any directive.
        public init(_ name: String, _ value: Value = .present) {
            self.name = name
            self.value = value
        }

        /// `max-age=<seconds>`.
        public static func maxAge(_ seconds: Int) -> Directive { Directive("max-age", .argument(String(seconds))) }
        /// `s-maxage=<seconds>`.
        public static func sharedMaxAge(_ seconds: Int) -> Directive { Directive("s-maxage", .argument(String(seconds))) }
        /// `public`.
        public static let `public` = Directive("public")
        /// `private`.
        public static let `private` = Directive("private")
        /// `no-cache`.
        public static let noCache = Directive("no-cache")
        /// `no-cache=<field>`.
        public static func noCache(field: String) -> Directive { Directive("no-cache", .argument(field)) }
        /// `no-store`.
        public static let noStore = Directive("no-store")
        /// `must-revalidate`.
        public static let mustRevalidate = Directive("must-revalidate")
        /// `proxy-revalidate`.
        public static let proxyRevalidate = Directive("proxy-revalidate")
        /// `no-transform`.
        public static let noTransform = Directive("no-transform")
        /// `immutable`.
        public static let immutable = Directive("immutable")
        /// `stale-while-revalidate=<seconds>`.
        public static func staleWhileRevalidate(_ seconds: Int) -> Directive {
            Directive("stale-while-revalidate", .argument(String(seconds)))
        }
        /// `stale-if-error=<seconds>`.
        public static func staleIfError(_ seconds: Int) -> Directive { Directive("stale-if-error", .argument(String(seconds))) }
    }

    struct Entry: Sendable, Equatable {
        var name: String
        var values: [Value]
    }

    private(set) var entries: [Entry] = []

    /// An empty value.
    public init() {}

    /// Parses a header value as Django does: split on commas (with the spaces
    /// around them), each part at its first `=`; names lower-cased and stripped.
    public init(parsing header: String?) {
        guard let header else { return }
        for part in HTTPCacheHeaders.splitHeaderValue(header) {
            if let equals = part.firstIndex(of: "=") {
                let name = part[..<equals].trimmingHTTPWhitespace().lowercased()
                add(name, .argument(String(part[part.index(after: equals)...])))
            } else {
                add(part.lowercased(), .present)
            }
        }
    }

    private mutating func add(_ name: String, _ value: Value) {
        if let index = entries.firstIndex(where: { $0.name == name }) {
            if name == "no-cache" {
                if !entries[index].values.contains(value) { entries[index].values.append(value) }
            } else {
                entries[index].values = [value]
            }
        } else {
            entries.append(Entry(name: name, values: [value]))
        }
    }

    /// The value of a directive (the first, for `no-cache`), or `nil`.
    public subscript(name: String) -> Value? {
        entries.first { $0.name == name }?.values.first
    }

    /// Whether a directive is present.
    public func contains(_ name: String) -> Bool {
        entries.contains { $0.name == name }
    }

    /// The directive names, in order.
    public var names: [String] { entries.map(\.name) }

    /// `max-age` as an integer; `nil` when absent or not an integer (Django's
    /// `get_max_age`).
    public var maxAge: Int? {
        guard case .argument(let text) = self["max-age"] else { return nil }
        return Int(text)
    }

    /// Applies a patch by Django's rules.
    public mutating func patch(_ directives: [Directive]) {
        var directives = directives
        // max-age: the smaller of the existing and the new value.
        if let existing = maxAge,
           let index = directives.lastIndex(where: { $0.name.replacingUnderscores() == "max-age" }),
           case .argument(let text) = directives[index].value, let new = Int(text) {
            directives[index].value = .argument(String(min(existing, new)))
        }
        let names = Set(directives.map { $0.name.replacingUnderscores() })
        if contains("private"), names.contains("public") {
            entries.removeAll { $0.name == "private" }
        } else if contains("public"), names.contains("private") {
            entries.removeAll { $0.name == "public" }
        }
        for directive in directives {
            add(directive.name.replacingUnderscores(), directive.value)
        }
    }

    /// The header value.
    public var description: String {
        var parts: [String] = []
        for entry in entries {
            var values = entry.values
            if entry.name == "no-cache" {
                if values.contains(.present) {
                    values = [.present]
                } else {
                    values.sort { Self.text($0) < Self.text($1) }
                }
            }
            for value in values {
                switch value {
                case .present: parts.append(entry.name)
                case .argument(let text): parts.append(entry.name + "=" + text)
                }
            }
        }
        return parts.joined(separator: ", ")
    }

    private static func text(_ value: Value) -> String {
        if case .argument(let text) = value { return text }
        return ""
    }
}

extension String {
    /// A patch name as Django maps keyword arguments: `_` becomes `-`.
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
