/// Django's dummy cache: stores nothing, but validates keys, so development
/// set-ups see the same key warnings as production.
///
/// `get` misses, `add` reports success, `touch`, `delete` and `hasKey` report
/// `false`, and `increment` throws ``CacheError/keyNotFound(key:)``.
public struct DummyCacheBackend: CacheBackend {
    /// Creates a dummy backend.
    public init() {}

    public var name: String { "dummy" }
    public func get(_ key: String) async throws -> CacheValue? { nil }
    public func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {}
    public func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { true }
    public func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { false }
    public func delete(_ key: String) async throws -> Bool { false }
    public func hasKey(_ key: String) async throws -> Bool { false }
    public func increment(_ key: String, by delta: Int) async throws -> Int { throw CacheError.keyNotFound(key: key) }
    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] { [:] }
    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] { [] }
    public func deleteMany(_ keys: [String]) async throws {}
    public func clear() async throws {}
}
