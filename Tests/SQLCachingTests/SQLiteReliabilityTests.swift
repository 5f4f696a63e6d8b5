import Caching
import Foundation
import SQLiteCaching
import Testing

/// Issue 16 on SQLite: a database file that cannot be opened is a typed
/// error, or — in the `miss` failure mode — misses and dropped writes.
@Suite("SQLite reliability")
struct SQLiteReliabilityTests {
    static func backend(failureMode: CacheFailureMode) -> SQLiteCacheBackend {
        let path = FileManager.default.temporaryDirectory.path + "/no-such-directory-\(UUID().uuidString)/cache.sqlite3"
        return SQLiteCacheBackend(configuration: .init(path: path, table: "cache", failureMode: failureMode))
    }

    @Test("an unreachable file is storageUnavailable, naming the path")
    func errorMode() async throws {
        let backend = Self.backend(failureMode: .error)
        do {
            _ = try await Cache(backend: backend).get("k", as: String.self)
            Issue.record("a read from a missing directory succeeded")
        } catch CacheError.unavailable(_, let reason, let message) {
            #expect(reason == .storageUnavailable)
            #expect(message.contains("no-such-directory"), "\(message)")
        }
        try await backend.close()
    }

    @Test("miss mode: reads are misses, writes are dropped, getOrSet computes")
    func missMode() async throws {
        let backend = Self.backend(failureMode: .miss)
        let cache = Cache(backend: backend)
        #expect(try await cache.get("k", as: String.self) == nil)
        try await cache.set("k", "dropped")
        #expect(try await cache.hasKey("k") == false)
        #expect(try await cache.getOrSet("page") { "computed" } == "computed")
        try await backend.close()
    }
}
