import Mustache

/// The state of one rendering pass, shared by the `cache` lambdas of that pass.
/// Mustache renders synchronously on one task, so this needs no lock.
final class FragmentPass {
    enum Mode {
        /// Pass 1: emit each tag's header between markers, skip the body.
        case collect
        /// Pass 2: a placeholder for hits, the marked body for misses.
        case render(hitIndexes: Set<Int>)
    }

    let mode: Mode
    private var next = 0

    init(mode: Mode) {
        self.mode = mode
    }

    /// The `cache` section lambda: `text` is the section's raw text.
    func tag(_ text: String) -> String {
        let (header, body) = Self.split(text)
        switch mode {
        case .collect:
            return FragmentMarkers.header(header)
        case .render(let hits):
            let index = next
            next += 1
            if hits.contains(index) { return FragmentMarkers.hit(index) }
            return FragmentMarkers.body(Self.innerTagsUncached(body), index: index)
        }
    }

    /// The `cacheInner` lambda: a tag nested in a fragment renders its body only.
    func innerTag(_ text: String) -> String {
        Self.innerTagsUncached(Self.split(text).body)
    }

    /// The first line (the arguments) and the rest (the body).
    static func split(_ text: String) -> (header: String, body: String) {
        guard let newline = text.firstIndex(of: "\n") else { return (text, "") }
        return (String(text[..<newline]), String(text[text.index(after: newline)...]))
    }

    /// Nested tags renamed so they do not count as fragments of their own.
    static func innerTagsUncached(_ body: String) -> String {
        body.replacingOccurrences(of: "{{#cache}}", with: "{{#cacheInner}}")
            .replacingOccurrences(of: "{{/cache}}", with: "{{/cacheInner}}")
    }
}

/// The object a template is rendered with: the caller's object, plus the
/// `cache` and `cacheInner` lambdas.
struct FragmentContext: MustacheParent {
    let object: Any
    let pass: FragmentPass

    func child(named name: String) -> Any? {
        switch name {
        case "cache": return MustacheLambda { [pass] text in pass.tag(text) }
        case "cacheInner": return MustacheLambda { [pass] text in pass.innerTag(text) }
        default: return Self.lookUp(name, in: object)
        }
    }

    /// A member of the caller's object, as swift-mustache would find it.
    static func lookUp(_ name: String, in object: Any) -> Any? {
        if let parent = object as? any MustacheParent { return parent.child(named: name) }
        var mirror: Mirror? = Mirror(reflecting: object)
        while let current = mirror {
            if let child = current.children.first(where: { $0.label == name }) { return child.value }
            mirror = current.superclassMirror
        }
        return nil
    }
}
