import HTTPTypes

/// `Accept-Language` (RFC 9110 §12.5.4) as the shared cache compares it when a
/// response varies on it. RFC 9111 §4.1 lets a cache normalise selecting
/// fields "by applying knowledge of the field's semantics": language ranges are
/// case-insensitive (RFC 4647 §2), ranges of equal weight are equally
/// preferred, and a stored response whose `Content-Language` is what the new
/// request prefers most is the response the origin would pick again.
enum AcceptLanguage {
    /// One language range and its weight in thousandths (RFC 9110 §12.4.2).
    struct Preference: Equatable {
        var range: String
        var weight: Int
    }

    /// The members of an `Accept-Language` value: ranges lower-cased, weights
    /// read (1 when absent or malformed).
    static func preferences(_ members: [Substring]) -> [Preference] {
        members.compactMap { member in
            let parts = member.split(separator: ";")
            guard let first = parts.first else { return nil }
            let range = first.trimmingHTTPWhitespace().lowercased()
            guard !range.isEmpty else { return nil }
            var weight = 1000
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingHTTPWhitespace().lowercased() == "q",
                      let value = Double(pair[1].trimmingHTTPWhitespace()), (0...1).contains(value) else { continue }
                weight = Int((value * 1000).rounded())
            }
            return Preference(range: range, weight: weight)
        }
    }

    /// A canonical form: ranges lower-cased, heaviest first, equal weights in
    /// alphabetical order, weights written only when below 1.
    static func normalized(_ members: [Substring]) -> String {
        preferences(members)
            .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.range < $1.range }
            .map { $0.weight == 1000 ? $0.range : $0.range + ";q=" + String(Double($0.weight) / 1000) }
            .joined(separator: ",")
    }

    /// Whether `contentLanguage` is among the ranges `fields` prefers most
    /// (RFC 4647 §3.3.1 basic filtering: a range matches a tag equal to it or
    /// starting with it and a hyphen; `*` matches any tag).
    static func prefers(_ fields: HTTPFields, contentLanguage: String?) -> Bool {
        guard let contentLanguage, !contentLanguage.contains(",") else { return false }
        let tag = contentLanguage.trimmingHTTPWhitespace().lowercased()
        let members = fields[values: .acceptLanguage].flatMap { $0.split(separator: ",") }
        let preferences = preferences(members)
        guard let top = preferences.map(\.weight).max(), top > 0, !tag.isEmpty else { return false }
        return preferences.contains { preference in
            preference.weight == top
                && (preference.range == "*" || preference.range == tag || tag.hasPrefix(preference.range + "-"))
        }
    }
}
