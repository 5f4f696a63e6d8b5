/// Entity tags as Django parses and quotes them (`parse_etags`, `quote_etag`).
public enum EntityTag {
    /// The tags of an `If-Match`/`If-None-Match` value: `["*"]` for `*`;
    /// otherwise the comma-separated items that are an optional `W/` and a quoted
    /// string with no inner quote. Invalid items are dropped (`"""` gives `[]`).
    public static func parseList(_ value: some StringProtocol) -> [String] {
        let trimmed = value.trimmingHTTPWhitespace()
        if trimmed == "*" { return ["*"] }
        var tags: [String] = []
        for item in trimmed.split(separator: ",") {
            let tag = item.trimmingHTTPWhitespace()
            if isValid(tag) { tags.append(String(tag)) }
        }
        return tags
    }

    /// Whether `tag` is `W/"..."` or `"..."` with no quote inside.
    public static func isValid(_ tag: some StringProtocol) -> Bool {
        var body = Substring(tag)
        if body.hasPrefix("W/") { body = body.dropFirst(2) }
        guard body.count >= 2, body.hasPrefix("\""), body.hasSuffix("\"") else { return false }
        return !body.dropFirst().dropLast().contains("\"")
    }

    /// A valid tag unchanged; anything else quoted as a strong tag.
    public static func quote(_ tag: String) -> String {
        isValid(tag) ? tag : "\"" + tag + "\""
    }

    /// Whether a tag is weak.
    public static func isWeak(_ tag: some StringProtocol) -> Bool { tag.hasPrefix("W/") }

    /// Weak comparison (RFC 9110 §8.8.3.2): equal once `W/` is removed from both.
    public static func weaklyEqual(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        opaque(a) == opaque(b)
    }

    /// The tag without its weakness prefix.
    static func opaque(_ tag: some StringProtocol) -> Substring {
        let tag = Substring(tag)
        return tag.hasPrefix("W/") ? tag.dropFirst(2) : tag
    }
}
