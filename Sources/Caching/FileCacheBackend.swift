import Metrics
import Crypto
import Logging
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Django's file-based cache (`FileBasedCache`): one file per key in a directory.
///
/// Each key is stored in `md5hex(finalKey).djcache` (Django's file names), with its
/// expiry and a checksum (see the format in `FileCacheEntry`). Writes go to a
/// temporary file in the same directory that is then renamed over the entry, so
/// a reader never sees a torn entry. A corrupt, truncated or empty file is a miss
/// and is removed.
///
/// The directory is created with mode 0700 (intermediate directories too), and
/// again before every write, in case it was deleted. ``clear()`` removes only
/// `*.djcache` files. Culling, on every write when the directory holds
/// `maxEntries` or more entries, removes a random `count / cullFrequency` of them
/// (all of them when `cullFrequency` is 0), as Django does.
///
/// Past Django: `increment` keeps the entry's expiry, and `add` is atomic (the
/// entry is created with a hard link, which fails if another writer got there
/// first), so of two concurrent adds, even from two processes, exactly one wins.
///
/// All file I/O runs on NIO's blocking thread pool, never on an event loop.
public struct FileCacheBackend: CacheBackend {
    /// Settings of a file backend.
    public struct Configuration: Sendable {
        /// Culling starts at this many entries (default 300).
        public var maxEntries: Int
        /// `count / cullFrequency` entries are culled; 0 clears (default 3).
        public var cullFrequency: Int
        /// The clock expiry is measured on (wall clock: entries outlive the process).
        public var clock: CacheClock
        /// Where culls are recorded; `nil`: `MetricsSystem.factory`.
        public var metrics: (any MetricsFactory)?

        /// Creates a configuration; the defaults are Django's.
        public init(maxEntries: Int = 300, cullFrequency: Int = 3, clock: CacheClock = .wall, metrics: (any MetricsFactory)? = nil) {
            self.maxEntries = maxEntries
            self.cullFrequency = cullFrequency
            self.clock = clock
            self.metrics = metrics
        }
    }

    /// The cache directory, absolute.
    public let directory: String
    /// Bounds and clock.
    public let configuration: Configuration
    private let threadPool: NIOThreadPool
    private let logger: Logger
    /// Culls and the entries they removed.
    private let storeMetrics: CacheStoreMetrics

    static let suffix = ".djcache"

    /// Opens a file cache in `directory` (made absolute against the working
    /// directory), creating it if it can. A directory that cannot be created is
    /// not an error here; every write tries again and reports the failure.
    public init(
        directory: String,
        configuration: Configuration = Configuration(),
        threadPool: NIOThreadPool = .singleton,
        logger: Logger = Logger(label: "swift-caching.file")
    ) {
        self.directory = Self.absolute(directory)
        self.configuration = configuration
        self.threadPool = threadPool
        self.logger = logger
        storeMetrics = CacheStoreMetrics(
            backend: "file", location: Self.absolute(directory), factory: configuration.metrics ?? MetricsSystem.factory)
        do {
            try FileSystem.makeDirectory(self.directory)
        } catch {
            logger.warning("cannot create the file cache directory", metadata: ["error": "\(error)"])
        }
    }

    public var name: String { "file(\(directory))" }

    /// The path of the file holding `key`.
    public func path(for key: String) -> String {
        directory + "/" + Self.fileName(for: key)
    }

    /// `md5hex(key).djcache`, Django's file name for a final key.
    public static func fileName(for key: String) -> String {
        let digest = Insecure.MD5.hash(data: Array(key.utf8))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined() + suffix
    }

    // MARK: Operations

    public func get(_ key: String) async throws -> CacheValue? {
        let path = path(for: key)
        return try await run { try self.readLive(path).map { .bytes($0.value) } }
    }

    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {
        let bytes = try Self.bytes(of: value, key: key)
        let path = path(for: key)
        try await run {
            let expiry = lifetime.deadline(now: self.configuration.clock.now()) ?? .infinity
            try self.write(FileCacheEntry(expiry: expiry, value: bytes), to: path, cull: true)
        }
    }

    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool {
        let bytes = try Self.bytes(of: value, key: key)
        let path = path(for: key)
        return try await run {
            let expiry = lifetime.deadline(now: self.configuration.clock.now()) ?? .infinity
            let serialized = FileCacheEntry(expiry: expiry, value: bytes).serialized()
            // A live entry means no; a missing one is created exclusively, so two
            // concurrent adds cannot both win; an expired one is removed by
            // readLive and the creation is tried again.
            for _ in 0..<3 {
                if try self.readLive(path) != nil { return false }
                try FileSystem.makeDirectory(self.directory)
                try self.cull()
                if try FileSystem.createExclusively(serialized, at: path, directory: self.directory) { return true }
            }
            return false
        }
    }

    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool {
        let path = path(for: key)
        return try await run {
            guard var entry = try self.readLive(path) else { return false }
            entry.expiry = lifetime.deadline(now: self.configuration.clock.now()) ?? .infinity
            try self.write(entry, to: path, cull: false)
            return true
        }
    }

    public func delete(_ key: String) async throws -> Bool {
        let path = path(for: key)
        return try await run { try FileSystem.removeFile(path) }
    }

    public func hasKey(_ key: String) async throws -> Bool {
        let path = path(for: key)
        return try await run { try self.readLive(path) != nil }
    }

    public func increment(_ key: String, by delta: Int) async throws -> Int {
        let path = path(for: key)
        return try await run {
            guard var entry = try self.readLive(path) else { throw CacheError.keyNotFound(key: key) }
            guard let current = DecimalInteger.parse(entry.value) else { throw CacheError.notAnInteger(key: key) }
            let (result, overflow) = current.addingReportingOverflow(delta)
            if overflow { throw CacheError.integerOverflow(key: key) }
            entry.value = DecimalInteger.bytes(result)
            try self.write(entry, to: path, cull: false)
            return result
        }
    }

    public func clear() async throws {
        try await run {
            for name in try FileSystem.entries(of: self.directory) where name.hasSuffix(Self.suffix) {
                _ = try FileSystem.removeFile(self.directory + "/" + name)
            }
        }
    }

    /// The number of cache files in the directory.
    public func entryCount() async throws -> Int {
        try await run { try FileSystem.entries(of: self.directory).filter { $0.hasSuffix(Self.suffix) }.count }
    }

    // MARK: Internals

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await threadPool.runIfActive(body)
        } catch let error as CacheError {
            throw error
        } catch let error as FileSystem.Failure {
            throw CacheError.backendFailure(backend: name, message: error.description)
        } catch {
            throw CacheError.backendFailure(backend: name, message: "\(error)")
        }
    }

    private static func bytes(of value: CacheValue, key: String) throws -> [UInt8] {
        guard case .bytes(let bytes) = value else {
            throw CacheError.unencodableValue(key: key, reason: "the file backend stores encoded values only")
        }
        return bytes
    }

    /// The entry at `path` if it exists, is whole and is not expired; a corrupt
    /// or expired file is removed.
    private func readLive(_ path: String) throws -> FileCacheEntry? {
        guard let bytes = try FileSystem.readFile(path) else { return nil }
        guard let entry = FileCacheEntry(parsing: bytes) else {
            if !bytes.isEmpty {
                logger.warning("removing a corrupt cache file", metadata: ["path": "\(path)"])
            }
            _ = try? FileSystem.removeFile(path)
            return nil
        }
        if entry.expiry < configuration.clock.now() {
            _ = try? FileSystem.removeFile(path)
            return nil
        }
        return entry
    }

    private func write(_ entry: FileCacheEntry, to path: String, cull shouldCull: Bool) throws {
        try FileSystem.makeDirectory(directory)
        if shouldCull { try cull() }
        try FileSystem.writeAtomically(entry.serialized(), to: path, directory: directory)
    }

    private func cull() throws {
        let names = try FileSystem.entries(of: directory).filter { $0.hasSuffix(Self.suffix) }
        guard names.count >= configuration.maxEntries else { return }
        let victims: [String]
        if configuration.cullFrequency == 0 {
            victims = names
        } else {
            victims = Array(names.shuffled().prefix(names.count / configuration.cullFrequency))
        }
        storeMetrics.culled()
        storeMetrics.evicted(victims.count)
        for name in victims { _ = try FileSystem.removeFile(directory + "/" + name) }
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.isEmpty ? cwd : cwd + "/" + path
    }
}
