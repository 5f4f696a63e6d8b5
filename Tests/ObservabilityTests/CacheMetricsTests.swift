import Caching
import Foundation
import InMemoryTracing
import Metrics
import MetricsTestKit
import Testing
import Tracing

/// A backend whose every call fails with one error, for the error counters.
struct FailingBackend: CacheBackend {
    let error: CacheError
    var name: String { "failing(test)" }
    func get(_ key: String) async throws -> CacheValue? { throw error }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws { throw error }
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { throw error }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { throw error }
    func delete(_ key: String) async throws -> Bool { throw error }
    func hasKey(_ key: String) async throws -> Bool { throw error }
    func increment(_ key: String, by delta: Int) async throws -> Int { throw error }
    func clear() async throws { throw error }
}

/// A fresh memory cache reporting to `metrics` (and `tracer`), on its own location.
func memoryCache(
    alias: String, metrics: TestMetrics? = nil, tracer: InMemoryTracer? = nil, recordsKeys: Bool = false
) -> Cache {
    let backend = MemoryCacheBackend(location: "observe-" + UUID().uuidString)
    return Cache(alias: alias, backend: backend)
        .instrumented(CacheInstrumentation(metrics: metrics, tracer: tracer, recordsKeys: recordsKeys))
}

@Suite("Cache front-end metrics")
struct CacheMetricsTests {
    static let duration = "swift_caching_operation_duration_seconds"
    static let errors = "swift_caching_operation_errors_total"

    @Test("each operation is timed per alias, backend and operation, and gets count hits and misses")
    func timers() async throws {
        let metrics = TestMetrics()
        let cache = memoryCache(alias: "timed", metrics: metrics)
        try await cache.set("a", 1)
        _ = try await cache.get("a", as: Int.self)
        _ = try await cache.get("missing", as: Int.self)
        _ = try await cache.delete("a")
        _ = try await cache.add("b", 2)
        _ = try await cache.increment("b")
        _ = try await cache.getMany(["a", "b"], as: Int.self)
        let dimensions = { (operation: String) in [("alias", "timed"), ("backend", "memory"), ("operation", operation)] }
        #expect(try metrics.expectTimer(Self.duration, dimensions("set")).values.count == 1)
        #expect(try metrics.expectTimer(Self.duration, dimensions("get")).values.count == 2)
        #expect(try metrics.expectTimer(Self.duration, dimensions("delete")).values.count == 1)
        #expect(try metrics.expectTimer(Self.duration, dimensions("add")).values.count == 1)
        #expect(try metrics.expectTimer(Self.duration, dimensions("incr")).values.count == 1)
        #expect(try metrics.expectTimer(Self.duration, dimensions("get_many")).values.count == 1)
        #expect(try metrics.expectTimer(Self.duration, dimensions("touch")).values.isEmpty)
        #expect(try metrics.expectCounter("swift_caching_gets_total", [("alias", "timed"), ("result", "hit")]).totalValue == 1)
        #expect(try metrics.expectCounter("swift_caching_gets_total", [("alias", "timed"), ("result", "miss")]).totalValue == 1)
        #expect(metrics.counters(label: Self.errors).isEmpty)
    }

    @Test("failed calls are counted by the error's kind", arguments: [
        (CacheError.unavailable(backend: "failing", reason: .connectionRefused, message: "down"), "refused"),
        (CacheError.unavailable(backend: "failing", reason: .circuitOpen, message: "open"), "circuit_open"),
        (CacheError.unavailable(backend: "failing", reason: .authenticationFailed, message: "who"), "auth"),
        (CacheError.timeout(backend: "failing", message: "slow"), "timeout"),
        (CacheError.backendFailure(backend: "failing", message: "bad reply"), "backend"),
    ])
    func errors(error: CacheError, kind: String) async throws {
        let metrics = TestMetrics()
        let cache = Cache(alias: "failing", backend: FailingBackend(error: error))
            .instrumented(CacheInstrumentation(metrics: metrics))
        await #expect(throws: error) { _ = try await cache.get("k", as: Int.self) }
        await #expect(throws: error) { try await cache.set("k", 1) }
        await #expect(throws: error) { try await cache.set("k", 2) }
        let dimensions = { (operation: String) in
            [("alias", "failing"), ("backend", "failing"), ("operation", operation), ("kind", kind)]
        }
        #expect(try metrics.expectCounter(Self.errors, dimensions("get")).totalValue == 1)
        #expect(try metrics.expectCounter(Self.errors, dimensions("set")).totalValue == 2)
        // A failed call is timed too.
        #expect(try metrics.expectTimer(Self.duration, [("alias", "failing"), ("backend", "failing"), ("operation", "set")])
            .values.count == 2)
    }

    @Test("the memory store counts culls and evicted entries, and records its entries and bytes")
    func memoryStore() async throws {
        let metrics = TestMetrics()
        let location = "observe-cull-" + UUID().uuidString
        let backend = MemoryCacheBackend(
            location: location,
            configuration: .init(maxEntries: 3, cullFrequency: 3, maxBytes: 1_000, shards: 1, metrics: metrics))
        let cache = Cache(backend: backend)
        for index in 0..<3 { try await cache.set("k\(index)", index) }
        let dimensions = [("backend", "memory"), ("location", location)]
        #expect(try metrics.expectCounter("swift_caching_culls_total", dimensions).totalValue == 0)
        try await cache.set("k3", 3)   // full: Django's cull removes 3 / 3 = 1 entry first
        #expect(try metrics.expectCounter("swift_caching_culls_total", dimensions).totalValue == 1)
        #expect(try metrics.expectCounter("swift_caching_evictions_total", dimensions).totalValue == 1)
        #expect(try metrics.expectGauge("swift_caching_entries", dimensions + [("shard", "0")]).lastValue == 3)
        #expect(try metrics.expectGauge("swift_caching_bytes", dimensions + [("shard", "0")]).lastValue == Double(backend.totalBytes))
    }

    @Test("a file cache counts its culls and the files they removed")
    func fileCull() async throws {
        let metrics = TestMetrics()
        let directory = NSTemporaryDirectory() + "observe-file-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backend = FileCacheBackend(directory: directory, configuration: .init(maxEntries: 3, cullFrequency: 3, metrics: metrics))
        let cache = Cache(backend: backend)
        for index in 0..<4 { try await cache.set("k\(index)", index) }
        let dimensions = [("backend", "file"), ("location", backend.directory)]
        #expect(try metrics.expectCounter("swift_caching_culls_total", dimensions).totalValue == 1)
        #expect(try metrics.expectCounter("swift_caching_evictions_total", dimensions).totalValue == 1)
    }
}

@Suite("Cache spans")
struct CacheSpanTests {
    @Test("a span per backend call, with alias, backend, operation and hit or miss, and no key")
    func spans() async throws {
        let tracer = InMemoryTracer()
        let cache = memoryCache(alias: "traced", tracer: tracer)
        try await cache.set("secret-key", "secret-value")
        _ = try await cache.get("secret-key", as: String.self)
        _ = try await cache.get("other", as: String.self)
        let spans = tracer.finishedSpans
        #expect(spans.map(\.operationName) == ["cache.set", "cache.get", "cache.get"])
        for span in spans {
            #expect(span.attributes["cache.alias"]?.toSpanAttribute() == "traced")
            #expect(span.attributes["cache.backend"]?.toSpanAttribute() == "memory")
            #expect(span.attributes["cache.key"] == nil)
            #expect(!"\(span.attributes)".contains("secret"))
        }
        #expect(spans[1].attributes["cache.result"]?.toSpanAttribute() == "hit")
        #expect(spans[2].attributes["cache.result"]?.toSpanAttribute() == "miss")
        #expect(spans[0].attributes["cache.operation"]?.toSpanAttribute() == "set")
    }

    @Test("keys are recorded only when the setting allows it")
    func keys() async throws {
        let tracer = InMemoryTracer()
        let cache = memoryCache(alias: "keyed", tracer: tracer, recordsKeys: true)
        _ = try await cache.get("visible", as: Int.self)
        let span = try #require(tracer.finishedSpans.first)
        #expect(span.attributes["cache.key"]?.toSpanAttribute() == ":1:visible")
    }

    @Test("a failed call's span carries the error kind and an error status")
    func failed() async throws {
        let tracer = InMemoryTracer()
        let error = CacheError.timeout(backend: "failing", message: "slow")
        let cache = Cache(alias: "failing", backend: FailingBackend(error: error)).instrumented(CacheInstrumentation(tracer: tracer))
        await #expect(throws: error) { try await cache.set("k", 1) }
        let span = try #require(tracer.finishedSpans.first)
        #expect(span.attributes["cache.error"]?.toSpanAttribute() == "timeout")
        #expect(span.status?.code == .error)
        #expect(span.errors.count == 1)
    }
}
