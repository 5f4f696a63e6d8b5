import Caching

extension DemoPages {
    /// `/slow/<id>`: a page that takes as long as it is told, for watching a
    /// graceful shutdown (README, "Lifecycle / graceful shutdown").
    ///
    /// It writes `demo:slow:<id>:started` to every configured cache (so the
    /// request holds a connection of each pool), then waits until the key
    /// `demo:slow:<id>:release` exists in the `default` cache or `seconds`
    /// (query, default 5, at most 60) pass, reading that cache all along, and
    /// writes `demo:slow:<id>:finished` to every cache before it answers. A
    /// request in flight when SIGTERM arrives must still finish, and still
    /// reach its caches: they close only after the server has drained.
    ///
    /// The body is about 64 KB and ends with `end of slow page <id>`, so a
    /// client can tell a complete answer from a cut one.
    public static func slow(id: String, query: String?, caches: Caches) async throws -> String {
        let seconds = min(max(queryValue("seconds", in: query).flatMap { Double($0) } ?? 5, 0), 60)
        let key = "demo:slow:\(id)"
        for cache in caches.all { try await cache.set(key + ":started", true, timeout: .seconds(60)) }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        var released = false
        while clock.now < deadline {
            if try await caches.default.hasKey(key + ":release") {
                released = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        for cache in caches.all { try await cache.set(key + ":finished", true, timeout: .seconds(60)) }
        let lines = (1...1000).map { "<p>line \($0) of slow page \(id): the server drains this request before the caches close</p>" }
        let how = released ? "released through the cache" : "after \(seconds) s"
        return html(title: "Slow page \(id)", body: "<p>answered \(how)</p>\n" + lines.joined(separator: "\n") + "\n<p>end of slow page \(id)</p>")
    }
}
