/// The one rule for unknown names in a settings file: each settings type declares
/// the member names it accepts (a list, one line per member), and anything else
/// is an error naming the member, its JSON path and, for a near miss, the name
/// that was probably meant — nothing falls back to a default silently.
///
/// ```swift
/// static let members = ["mode", "cache", "debugHeaders"]
/// try SettingsMembers.check(object.keys, known: members, at: "httpCache")
/// // httpCache.debugHeader: unknown member "debugHeader"; did you mean "debugHeaders"?
/// ```
public enum SettingsMembers {
    /// Throws for the first (alphabetically) name that is not in `known`;
    /// `kind` names what the names are in the message (`member`, `section`,
    /// `option`).
    public static func check(_ names: some Sequence<String>, known: [String], at path: String, kind: String = "member") throws {
        if let name = names.filter({ !known.contains($0) }).min() {
            throw unknown(name, known: known, at: path, kind: kind)
        }
    }

    /// The error for a member `name` not in `known`, inside the object at `path`.
    public static func unknown(_ name: String, known: [String], at path: String, kind: String = "member") -> CacheConfigurationError {
        let problem: String
        if let suggestion = suggestion(for: name, among: known) {
            problem = "unknown \(kind) \"\(name)\"; did you mean \"\(suggestion)\"?"
        } else if known.isEmpty {
            problem = "unknown \(kind) \"\(name)\"; none are accepted here"
        } else {
            let plural = kind.hasSuffix("y") ? String(kind.dropLast()) + "ies" : kind + "s"
            problem = "unknown \(kind) \"\(name)\"; the \(plural) here are \(known.sorted().joined(separator: ", "))"
        }
        return CacheConfigurationError(problem, path: SettingsMembers.path(path, name))
    }

    /// For the `default` case of a settings type's `switch` over its members:
    /// a member not in `members` is unknown (with a "did you mean"), a known one
    /// has the wrong type — `members` maps each name to what it must be
    /// (`"a number of bytes"`).
    public static func rejected(_ name: String, _ value: JSONValue, members: [String: String], at path: String) -> CacheConfigurationError {
        guard let expected = members[name] else {
            return unknown(name, known: Array(members.keys), at: path)
        }
        return CacheConfigurationError("must be \(expected), not \(value.quoted)", path: SettingsMembers.path(path, name))
    }

    /// A whole number read from a settings member at `path` (``JSONValue/integer``),
    /// at least `minimum`.
    public static func integer(_ value: JSONValue, at path: String, minimum: Int? = nil) throws -> Int {
        guard let number = value.integer else {
            throw CacheConfigurationError("must be a whole number, not \(value.quoted)", path: path)
        }
        if let minimum, number < minimum {
            throw CacheConfigurationError("must be at least \(minimum), not \(number)", path: path)
        }
        return number
    }

    /// The JSON path of a member: `caches.default` + `options`.
    public static func path(_ parent: String, _ member: String) -> String {
        parent.isEmpty ? member : parent + "." + member
    }

    /// The candidate closest to `name`, when it is close enough to be a typo:
    /// the same letters in another case or with `_`/`-` (`KEY_PREFIX` for
    /// `keyPrefix`), or a few edits away (`optons`, `cache` for `caches`).
    public static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let normalized = normalize(name)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(normalized, normalize(candidate))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(1, min(normalized.count, 12) / 4)
        return best.distance <= allowed ? best.candidate : nil
    }

    private static func normalize(_ name: String) -> [Character] {
        Array(name.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent swaps).
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [Int](repeating: 0, count: b.count + 1)
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            previousPrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
