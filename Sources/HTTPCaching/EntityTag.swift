/// Entity tags as Django parses and quotes them (`parse_etags`, `quote_etag`).
public enum EntityTag {
    /// The tags of an `If-Match`/`If-None-Match` value: `["*"]` for `*`;
    /// otherwise the comma-separated items that are an optional `W/` and a quoted
    /// string with no inner quote. Invalid items are dropped (`"""` gives `[]`).
    public static func parseList(_ value: some StringProtocol) -> [String] {
        let trimmed = Substring(value.trimmingHTTPWhitespace())
        if trimmed == "*" { return ["*"] }
        var tags: [String] = []
        // Split on the comma byte, not on `Character`s: a comma followed by a
        // combining mark is one `Character` but still a separator, as Django's
        // code-point regex sees it.
        for item in trimmed.utf8.split(separator: UInt8(ascii: ",")) {
            let tag = Substring(item).trimmingHTTPWhitespace()
            if isValid(tag) { tags.append(String(tag)) }
        }
        return tags
    }

    /// Whether `tag` is `W/"..."` or `"..."` with no quote inside. Compares
    /// bytes: a quote followed by a combining mark is still a quote.
    public static func isValid(_ tag: some StringProtocol) -> Bool {
        let quote = UInt8(ascii: "\"")
        var body = Substring(tag).utf8[...]
        if body.starts(with: "W/".utf8) { body = body.dropFirst(2) }
        guard body.count >= 2, body.first == quote, body.last == quote else { return false }
        return !body.dropFirst().dropLast().contains(quote)
    }

    /// A valid tag unchanged; anything else quoted as a strong tag.
    public static func quote(_ tag: String) -> String {
        isValid(tag) ? tag : "\"" + tag + "\""
    }

    /// Whether a tag is weak.
    public static func isWeak(_ tag: some StringProtocol) -> Bool { tag.utf8.starts(with: "W/".utf8) }

    /// Weak comparison (RFC 9110 §8.8.3.2): equal once `W/` is removed from both.
    /// Byte for byte, as Django compares: canonically equivalent but different
    /// tags (`é` precomposed or not) are different tags.
    public static func weaklyEqual(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        opaque(a).utf8.elementsEqual(opaque(b).utf8)
    }

    /// The tag without its weakness prefix.
    static func opaque(_ tag: some StringProtocol) -> Substring {
        let tag = Substring(tag)
        return tag.utf8.starts(with: "W/".utf8) ? Substring(tag.utf8.dropFirst(2)) : tag
    }
}
