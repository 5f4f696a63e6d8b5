import Caching
import CachingTestSupport
import Foundation
import SQLiteCaching

/// Test support, not a product: writes self-checking records to a file or
/// SQLite cache as fast as it can, forever, so that CrashSafetyTests can
/// `kill -9` it in the middle of writes and check what a reader finds.
///
/// Usage: `cache-crash-writer file <directory> | sqlite <database path>`
@main
struct CacheCrashWriter {
    static let size = 96 * 1024

    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: cache-crash-writer file <directory> | sqlite <database path>\n".utf8))
            exit(2)
        }
        let backend: any CacheBackend
        switch arguments[1] {
        case "file":
            backend = FileCacheBackend(directory: arguments[2], configuration: .init(maxEntries: 10_000))
        case "sqlite":
            backend = SQLiteCacheBackend(configuration: .init(path: arguments[2], table: "crash", maxEntries: 10_000))
        default:
            FileHandle.standardError.write(Data("unknown backend \(arguments[1])\n".utf8))
            exit(2)
        }
        let cache = Cache(backend: backend)
        FileHandle.standardOutput.write(Data("writing\n".utf8))
        var generation = 0
        while true {
            generation += 1
            let index = generation % CrashRecord.keys
            let record = CrashRecord.bytes(index: index, generation: generation, size: size)
            if generation % 5 == 0 {
                // Batches too: a kill may land inside a multi-entry write.
                var batch: [String: Data] = [:]
                for offset in 0..<4 {
                    let other = (index + offset) % CrashRecord.keys
                    batch["k\(other)"] = Data(CrashRecord.bytes(index: other, generation: generation, size: size))
                }
                _ = try await cache.setMany(batch)
            } else {
                try await cache.set("k\(index)", Data(record))
            }
        }
    }
}
