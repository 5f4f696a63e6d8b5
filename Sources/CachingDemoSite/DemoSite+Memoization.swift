import Caching
import Hummingbird
import HummingbirdCaching

extension DemoSite {
    /// The low-level API: a slow computation memoized with getOrSet.
    func addMemoizationRoutes(to router: Router<BasicRequestContext>) {
        let cache = caches.default
        router.get("/fibonacci", use: RouteCaching.neverCache { request, _ in
            let n = min(max(request.uri.queryParameters.get("n", as: Int.self) ?? 80, 0), 90)
            let clock = ContinuousClock()
            var computed = false
            let started = clock.now
            let value = try await cache.getOrSet("fibonacci:\(n)", timeout: .seconds(60)) {
                computed = true
                return try await Self.slowFibonacci(n)
            }
            let elapsed = clock.now - started
            let how = computed ? "computed (slowly)" : "read from the cache"
            return DemoHTML.page(title: "Memoized computation",
                                 body: "<p>fibonacci(\(n)) = \(value), \(how) in \(elapsed.formatted(.units(allowed: [.milliseconds])))</p>")
        })
    }

    /// Fibonacci with a deliberate delay standing in for real work.
    static func slowFibonacci(_ n: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(500))
        var (a, b) = (0, 1)
        for _ in 0..<n { (a, b) = (b, a &+ b) }
        return a
    }
}
