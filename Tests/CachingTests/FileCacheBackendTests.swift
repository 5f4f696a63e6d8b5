import Caching
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("File backend")
struct FileCacheBackendTests {
    let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-file-tests/" + UUID().uuidString

    func cache(clock: CacheClock = .wall) -> (Cache, FileCacheBackend) {
        let backend = FileCacheBackend(directory: directory, configuration: .init(clock: clock))
        return (Cache(backend: backend), backend)
    }

    @Test("file names are Django's: md5 of the final key + .djcache")
    func fileNames() {
        #expect(FileCacheBackend.fileName(for: ":1:a") == "7712dfc0a6af5059df6b9ee4ac527bfd.djcache")
    }

    @Test("the directory is created with mode 0700, intermediate directories too")
    func directoryMode() throws {
        let nested = directory + "/nested/deeper"
        _ = FileCacheBackend(directory: nested)
        for path in [directory, directory + "/nested", nested] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700, "\(path)")
        }
    }

    @Test("a deleted directory is recreated on the next set")
    func recreatesDirectory() async throws {
        let (cache, _) = cache()
        try await cache.set("a", 1)
        try FileManager.default.removeItem(atPath: directory)
        #expect(try await cache.get("a", as: Int.self) == nil)
        try await cache.set("a", 2)
        #expect(try await cache.get("a", as: Int.self) == 2)
    }

    @Test("clear removes only cache files and keeps the directory")
    func clearKeepsOtherFiles() async throws {
        let (cache, _) = cache()
        try await cache.set("a", 1)
        let other = directory + "/not-a-cache-file.txt"
        _ = FileManager.default.createFile(atPath: other, contents: Data("keep".utf8))
        try await cache.clear()
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(FileManager.default.fileExists(atPath: directory))
        #expect(try await cache.get("a", as: Int.self) == nil)
    }

    @Test("empty, truncated and corrupt files are misses and are removed", arguments: ["empty", "truncated", "corrupt", "garbage"])
    func damagedFiles(damage: String) async throws {
        let (cache, backend) = cache()
        try await cache.set("a", "a value long enough to truncate")
        let path = backend.path(for: ":1:a")
        var bytes = try #require(FileManager.default.contents(atPath: path))
        switch damage {
        case "empty": bytes = Data()
        case "truncated": bytes = bytes.prefix(bytes.count - 5)
        case "corrupt": bytes[bytes.count - 3] ^= 0xFF
        default: bytes = Data("this is not a cache entry at all".utf8)
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(try await cache.get("a", as: String.self) == nil)
        #expect(FileManager.default.fileExists(atPath: path) == false)
        #expect(try await cache.hasKey("a") == false)
    }

    @Test("an expired file is removed when read")
    func expiredFileRemoved() async throws {
        let time = ManualClockSource()
        let (cache, backend) = cache(clock: .manual(time))
        try await cache.set("a", 1, timeout: 10)
        time.advance(by: 11)
        #expect(try await cache.get("a", as: Int.self) == nil)
        #expect(FileManager.default.fileExists(atPath: backend.path(for: ":1:a")) == false)
    }

    @Test("increment keeps the expiry (Django's file cache resets it)")
    func incrementKeepsExpiry() async throws {
        let time = ManualClockSource()
        let (cache, _) = cache(clock: .manual(time))
        try await cache.set("n", 1, timeout: 10)
        time.advance(by: 5)
        #expect(try await cache.increment("n") == 2)
        time.advance(by: 6)
        #expect(try await cache.get("n", as: Int.self) == nil)
    }

    @Test("no temporary files are left behind")
    func noTemporaryFiles() async throws {
        let (cache, _) = cache()
        for index in 0..<20 { try await cache.set("k\(index)", index) }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(names.allSatisfy { $0.hasSuffix(".djcache") })
        #expect(names.count == 20)
    }

    /// Makes a directory read-only, even for root (which ignores permission
    /// bits): `chattr +i` as root, `chmod 0500` otherwise. Returns the undo.
    func makeReadOnly(_ path: String) throws -> () -> Void {
        guard getuid() == 0 else {
            chmod(path, 0o500)
            return { chmod(path, 0o700) }
        }
        func chattr(_ flag: String) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            process.arguments = [flag, path]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        try #require(try chattr("+i") == 0, "chattr +i failed; the test needs an ext4-like file system")
        return { _ = try? chattr("-i") }
    }

    @Test("a read-only directory gives a typed error on set and a miss on get")
    func readOnlyDirectory() async throws {
        let (cache, _) = cache()
        try await cache.set("a", 1)
        let undo = try makeReadOnly(directory)
        defer { undo() }
        await #expect(throws: CacheError.self) { try await cache.set("b", 2) }
        #expect(try await cache.get("b", as: Int.self) == nil)
        #expect(try await cache.get("a", as: Int.self) == 1)
    }

    @Test("a location that cannot be a directory gives a typed error, not a crash")
    func unusableLocation() async throws {
        // The file sits beside the test's directory; its parent must exist first, or
        // `createFile` fails quietly and the backend would create the whole path.
        let file = directory + "-file"
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #require(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let cache = Cache(backend: FileCacheBackend(directory: file + "/sub"))
        await #expect(throws: CacheError.self) { try await cache.set("a", 1) }
        #expect(try await cache.get("a", as: Int.self) == nil)
    }
}

@Suite("File backend add")
struct FileCacheBackendAddTests {
    @Test("of many concurrent adds of one key, exactly one wins")
    func concurrentAdds() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/swift-caching-add-tests/" + UUID().uuidString
        let cache = Cache(backend: FileCacheBackend(directory: directory))
        for round in 0..<5 {
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for candidate in 0..<16 {
                    group.addTask { try await cache.add("contested-\(round)", candidate) }
                }
                var wins = 0
                for try await won in group where won { wins += 1 }
                return wins
            }
            #expect(wins == 1, "round \(round)")
        }
    }
}
