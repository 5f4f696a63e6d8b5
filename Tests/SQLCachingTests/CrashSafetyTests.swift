import Caching
import CachingTestSupport
import Foundation
import SQLiteCaching
import Testing

/// `kill -9` of a writer in the middle of file-backend and SQLite writes never
/// leaves an entry that reads back wrong: every key is either missing or a
/// whole value that a writer stored (issue 16, item 8). The writer is a real
/// process, `CacheCrashWriter`, writing 96 KB self-checking records (single
/// sets and batches) as fast as it can; it is killed at a random moment, many
/// times over the same store.
@Suite("Crash safety: kill -9 in the middle of writes")
struct CrashSafetyTests {
    static func backend(_ kind: String, _ location: String) -> any CacheBackend {
        kind == "file"
            ? FileCacheBackend(directory: location, configuration: .init(maxEntries: 10_000))
            : SQLiteCacheBackend(configuration: .init(path: location, table: "crash", maxEntries: 10_000))
    }

    /// Whether the writer has stored something yet.
    static func hasWritten(_ kind: String, _ location: String) -> Bool {
        if kind == "file" {
            return ((try? FileManager.default.contentsOfDirectory(atPath: location)) ?? []).contains { $0.hasSuffix(".djcache") }
        }
        return ((try? FileManager.default.attributesOfItem(atPath: location)[.size] as? Int) ?? 0) > 64 * 1024
    }

    @Test("25 kills per backend: every key reads back missing or whole", arguments: ["file", "sqlite"])
    func killedWriter(_ kind: String) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-crash-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = kind == "file" ? directory + "/entries" : directory + "/cache.sqlite3"
        let binary = try ChildProcess.builtExecutable("CacheCrashWriter")
        var whole = 0
        for _ in 0..<25 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [kind, location]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<200 where !Self.hasWritten(kind, location) && process.isRunning {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 10...150)))
            #expect(process.isRunning, "the writer stopped by itself")
            kill(process.processIdentifier, SIGKILL)
            // Not `waitUntilExit()`: it blocks a thread of the shared pool.
            while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }

            let backend = Self.backend(kind, location)
            let cache = Cache(backend: backend)
            for index in 0..<CrashRecord.keys {
                let value = try await cache.get("k\(index)", as: Data.self)
                if let value {
                    #expect(CrashRecord.isValid(Array(value), index: index), "k\(index) read back torn or mixed")
                    whole += 1
                }
            }
            try await backend.close()
        }
        #expect(whole > 0, "the writer never stored a whole value")
    }
}
