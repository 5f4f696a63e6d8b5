import HTTPTypes

/// The response header a handler declares its page's tags in, and what the
/// page caches do with it: the one rule both page-cache modes and both
/// framework adapters follow.
///
/// A handler sets `Cache-Tag: product:42 category:7` (space- or
/// comma-separated, as Cloudflare's `Cache-Tag` and Fastly's `Surrogate-Key`
/// are; both fields are read). The page cache stores the page with those tags,
/// so `Cache.invalidate(tags:)` drops it; the header is kept for
/// caches downstream (Varnish xkey, a CDN) unless ``strip`` is set, which
/// removes it before the response leaves (and from the stored page).
///
/// ```swift
/// CacheTagHeader.set(["product:42", "category:7"], in: &response.headerFields)
/// ```
public struct CacheTagHeader: Sendable, Equatable {
    /// The fields tags are read from; the first is the one ``set(_:in:name:)`` writes.
    public var names: [HTTPField.Name]
    /// Whether the fields are removed before the response leaves.
    public var strip: Bool

    /// Tags read from `name` (default `Cache-Tag`) and from `Surrogate-Key`;
    /// `strip` removes both from responses.
    public init(name: HTTPField.Name = .cacheTag, strip: Bool = false) {
        self.names = name == .surrogateKey ? [name] : [name, .surrogateKey]
        self.strip = strip
    }

    /// The tags `fields` declare, in order, without repeats.
    public func tags(in fields: HTTPFields) -> [String] {
        var tags: [String] = []
        var seen: Set<String> = []
        for name in names {
            for value in fields[values: name] {
                for tag in Self.split(value) where seen.insert(tag).inserted { tags.append(tag) }
            }
        }
        return tags
    }

    /// The tags `fields` declare; the fields are removed when ``strip`` is set.
    public func take(from fields: inout HTTPFields) -> [String] {
        let tags = tags(in: fields)
        // Only a field that is there is removed: assigning nil to an absent
        // field still copies fields shared with a stored response.
        if strip { for name in names where fields[name] != nil { fields[name] = nil } }
        return tags
    }

    /// Declares `tags` for a response: sets `name` (default `Cache-Tag`) to
    /// them, space-separated, adding to tags already declared there. A tag
    /// holding a space or a comma would be read back as two, so those
    /// characters split it.
    public static func set(_ tags: some Sequence<String>, in fields: inout HTTPFields, name: HTTPField.Name = .cacheTag) {
        var all = fields[name].map { split($0) } ?? []
        for tag in tags { all.append(contentsOf: split(tag)) }
        var seen: Set<String> = []
        all = all.filter { seen.insert($0).inserted }
        fields[name] = all.isEmpty ? nil : all.joined(separator: " ")
    }

    /// The tags of one field value: split on spaces, tabs and commas (the
    /// separators of `Cache-Tag`, `Surrogate-Key` and xkey).
    public static func split(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
    }
}

extension HTTPField.Name {
    /// `Cache-Tag` (Cloudflare's name), the default tag field.
    public static let cacheTag = HTTPField.Name("Cache-Tag") ?? .via
    /// `Surrogate-Key` (Fastly's name), also read for tags.
    public static let surrogateKey = HTTPField.Name("Surrogate-Key") ?? .via
}
