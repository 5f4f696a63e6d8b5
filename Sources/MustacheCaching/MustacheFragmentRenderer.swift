import Caching
import Mustache

/// Renders swift-mustache templates with Django's `{% cache %}` tag.
///
/// The tag is a section whose first line holds the tag's arguments, as Mustache
/// expressions:
///
/// ```mustache
/// {{#cache}}500 sidebar {{user.id}} using="fragments"
///   <aside>… expensive part …</aside>
/// {{/cache}}
/// ```
///
/// Arguments: the timeout (seconds, `None` for forever, 0 to render every
/// time), the fragment name (a literal), vary values (any expressions; their
/// rendered text is hashed into `makeTemplateFragmentKey(_:varyOn:)`),
/// and an optional `using="alias"` last. Without `using`, the
/// `template_fragments` alias is used when configured, else `default`. Bad
/// arguments throw ``FragmentTagError`` with Django's messages.
///
/// How: swift-mustache renders synchronously and cache lookups are async, so a
/// template is rendered twice. The first pass only resolves each tag's
/// arguments (bodies are skipped); the keys are then fetched with one
/// `getMany` per cache; the second pass renders only the bodies that missed,
/// which are stored. A hit's body is never rendered. A `{{#cache}}` nested in
/// another one (directly in its text, not through a partial) renders without
/// caching of its own: the outer fragment already holds it.
public struct MustacheFragmentRenderer: Sendable {
    /// The configured caches (for `using=` and the default choice).
    public let caches: Caches

    /// A renderer on `caches`.
    public init(caches: Caches) {
        self.caches = caches
    }

    /// Renders `template` with `object`, caching its fragments.
    public func render(_ template: MustacheTemplate, _ object: Any, library: MustacheLibrary? = nil) async throws -> String {
        // Pass 1: resolve every top-level tag's arguments.
        let collector = FragmentPass(mode: .collect)
        let resolved = template.render(FragmentContext(object: object, pass: collector), library: library)
        var tags: [FragmentTag] = []
        for header in FragmentMarkers.headers(in: resolved) { tags.append(try FragmentTag(header: header)) }
        guard !tags.isEmpty else { return resolved }

        // One lookup per cache.
        var caches: [Cache] = []
        for tag in tags { caches.append(try cache(for: tag)) }
        let keys = tags.map { makeTemplateFragmentKey($0.name, varyOn: $0.varyOn) }
        var hits: [Int: String] = [:]
        var byAlias: [String: [Int]] = [:]
        for (index, tag) in tags.enumerated() { byAlias[tag.alias ?? "", default: []].append(index) }
        for indexes in byAlias.values {
            guard let first = indexes.first else { continue }
            let found = try await caches[first].getMany(indexes.map { keys[$0] }, as: String.self)
            for index in indexes { if let text = found[keys[index]] { hits[index] = text } }
        }

        // Pass 2: render the misses' bodies; put the hits in place.
        let substituter = FragmentPass(mode: .render(hitIndexes: Set(hits.keys)))
        let rendered = template.render(FragmentContext(object: object, pass: substituter), library: library)
        let (output, misses) = FragmentMarkers.assemble(rendered, hits: hits)
        for (index, body) in misses where index < tags.count {
            try await caches[index].set(keys[index], body, timeout: tags[index].timeout)
        }
        return output
    }

    private func cache(for tag: FragmentTag) throws -> Cache {
        guard let alias = tag.alias else { return caches.fragments }
        guard let cache = caches.cacheIfConfigured(alias) else { throw FragmentTagError.unknownCache(alias) }
        return cache
    }
}
