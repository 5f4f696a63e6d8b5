import Caching
import Foundation
import Logging

/// How a backend culls when it reaches `maxEntries`, which decides the counts
/// the culling checks expect (spec §4).
enum CullingStyle: Sendable {
    /// Memory and file: culling at `count >= max`; zero-cull leaves 19 of 49.
    case local
    /// Database: culling at `count > max` before the insert; zero-cull leaves 18 of 49.
    case database
}

/// What a check asks of a fixture when it makes a cache.
struct FixtureOptions: Sendable {
    /// Caches made with the same store token share one store (a memory location,
    /// a directory, a table, a server namespace); different tokens are isolated.
    var store: String
    var keyPrefix = ""
    var version = 1
    var timeout: CacheTimeout = .seconds(300)
    var keyFunction: CacheKeyFunction?
    var maxEntries: Int?
    var cullFrequency: Int?
    var logger = Logger(label: "conformance")

    /// The clock a fixture that ``BackendFixture/acceptsClock`` gives its backend:
    /// the running check's manual clock.
    var clock: CacheClock {
        ConformanceCheck.clock.map { CacheClock.manual($0) } ?? .wall
    }
}

/// One backend under test: how to make isolated caches on it, and what it can do.
///
/// Adding a backend to the suite is a fixture (a few lines in
/// `ConformanceFixtures.swift`) plus one parameterized test in
/// `ConformanceTests.swift`.
struct BackendFixture: Sendable {
    var name: String
    /// Culling behaviour, or `nil` when the backend does not cull (Redis, memcached).
    var culling: CullingStyle?
    /// Whether invalid keys throw (memcached) rather than log a warning.
    var rejectsInvalidKeys = false
    /// Whether the backend takes its clock from ``FixtureOptions/clock``, so the
    /// lifetime checks can move time instead of sleeping.
    var acceptsClock = false
    /// Makes a cache; called once or more per check with a fresh store token.
    var make: @Sendable (FixtureOptions) async throws -> Cache

    func cache(_ options: FixtureOptions) async throws -> Cache {
        try await make(options)
    }
}

/// A fresh store token for one check.
func freshStoreToken() -> String {
    "c" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
}
