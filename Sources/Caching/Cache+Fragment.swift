extension Cache {
    /// A rendered fragment, cached: the template-fragment cache of Django's
    /// `{% cache %}` tag as a Swift call.
    ///
    /// The key is ``makeTemplateFragmentKey(_:varyOn:)``; on a miss `render`
    /// runs and its output is stored for `timeout` (`.never` for Django's
    /// `None`; 0 renders every time). An empty cached string is a hit, as in
    /// Django, since only a missing key counts as a miss.
    ///
    /// ```swift
    /// let sidebar = try await caches.fragments.fragment("sidebar", varyOn: [user.id], timeout: 500) {
    ///     try await renderSidebar(for: user)
    /// }
    /// ```
    public func fragment(
        _ name: String, varyOn values: [any CustomStringConvertible] = [], timeout: CacheTimeout = .default,
        tags: [String] = [], render: () async throws -> String
    ) async throws -> String {
        let key = makeTemplateFragmentKey(name, varyOn: values)
        if let cached = try await get(key, as: String.self) { return cached }
        let output = try await render()
        try await set(key, output, timeout: timeout, tags: tags)
        return output
    }
}

extension Caches {
    /// The cache fragments use: the `template_fragments` alias when configured,
    /// else `default` (as Django's `{% cache %}` tag chooses).
    public var fragments: Cache {
        cacheIfConfigured("template_fragments") ?? self.default
    }
}
