import Caching
import CachingTestSupport
import Foundation
import Testing

/// A backend whose `add` always loses, to reproduce Django's racing get_or_set.
struct LosingAddBackend: CacheBackend {
    var name: String { "losing-add" }
    func get(_ key: String) async throws -> CacheValue? { nil }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws {}
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { false }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { false }
    func delete(_ key: String) async throws -> Bool { false }
    func hasKey(_ key: String) async throws -> Bool { false }
    func increment(_ key: String, by delta: Int) async throws -> Int { throw CacheError.keyNotFound(key: key) }
    func clear() async throws {}
}

/// A backend that accepts any key, replacing the validation.
struct AnyKeyBackend: CacheBackend {
    let inner = MemoryCacheBackend(location: UUID().uuidString)
    var name: String { "any-key" }
    var acceptsLiveValues: Bool { true }
    func keyProblems(_ key: String) -> [CacheKeyProblem] { [] }
    func get(_ key: String) async throws -> CacheValue? { try await inner.get(key) }
    func set(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws { try await inner.set(key, value: value, lifetime: lifetime) }
    func add(_ key: String, value: CacheValue, lifetime: CacheLifetime) async throws -> Bool { try await inner.add(key, value: value, lifetime: lifetime) }
    func touch(_ key: String, lifetime: CacheLifetime) async throws -> Bool { try await inner.touch(key, lifetime: lifetime) }
    func delete(_ key: String) async throws -> Bool { try await inner.delete(key) }
    func hasKey(_ key: String) async throws -> Bool { try await inner.hasKey(key) }
    func increment(_ key: String, by delta: Int) async throws -> Int { try await inner.increment(key, by: delta) }
    func clear() async throws { try await inner.clear() }
}

@Suite("Cache front end")
struct CacheFrontEndTests {
    @Test("default key function: prefix:version:key")
    func keys() {
        let plain = Cache(backend: DummyCacheBackend())
        #expect(plain.makeKey("foo") == ":1:foo")
        let custom = Cache(backend: DummyCacheBackend(), keyPrefix: "p", version: 2)
        #expect(custom.makeKey("foo") == "p:2:foo")
        #expect(custom.makeKey("foo", version: 7) == "p:7:foo")
    }

    @Test("getOrSet returns the computed value when add loses and nothing is stored")
    func racingGetOrSet() async throws {
        let cache = Cache(backend: LosingAddBackend())
        #expect(try await cache.getOrSet("key", default: "computed") == "computed")
    }

    @Test("a backend can replace key validation")
    func customValidation() async throws {
        let capture = LogCapture()
        let cache = Cache(backend: AnyKeyBackend(), logger: capture.logger)
        let key = String(repeating: "a key with spaces ", count: 20)
        try await cache.set(key, 1)
        #expect(try await cache.get(key, as: Int.self) == 1)
        #expect(capture.warnings.isEmpty)
    }

    @Test("non-ASCII characters are not a key problem by themselves")
    func nonASCIIKeys() {
        #expect(CacheKeyProblem.memcachedProblems(in: ":1:清").isEmpty)
        #expect(CacheKeyProblem.memcachedProblems(in: String(repeating: "清", count: 100)).isEmpty)
        #expect(CacheKeyProblem.memcachedProblems(in: String(repeating: "a", count: 251)) == [.tooLong(key: String(repeating: "a", count: 251))])
        #expect(CacheKeyProblem.memcachedProblems(in: "tab\there").count == 1)
        #expect(CacheKeyProblem.memcachedProblems(in: "del\u{7F}").count == 1)
    }

    @Test("timeouts resolve as Django's")
    func timeouts() {
        #expect(CacheTimeout.default.resolved(default: .seconds(300)) == .seconds(300))
        #expect(CacheTimeout.never.resolved(default: .seconds(300)) == .forever)
        #expect((5 as CacheTimeout).resolved(default: .forever) == .seconds(5))
        #expect(CacheTimeout.duration(.milliseconds(1500)) == .seconds(1.5))
        #expect(CacheLifetime.seconds(0).deadline(now: 100) == 99)
        #expect(CacheLifetime.seconds(-5).deadline(now: 100) == 95)
        #expect(CacheLifetime.forever.deadline(now: 100) == nil)
    }

    @Test("decimal integers parse strictly")
    func decimalIntegers() {
        #expect(DecimalInteger.parse(Array("42".utf8)) == 42)
        #expect(DecimalInteger.parse(Array("-7".utf8)) == -7)
        #expect(DecimalInteger.parse(Array("".utf8)) == nil)
        #expect(DecimalInteger.parse(Array("-".utf8)) == nil)
        #expect(DecimalInteger.parse(Array("4x".utf8)) == nil)
        #expect(DecimalInteger.parse(Array("99999999999999999999".utf8)) == nil)
        #expect(DecimalInteger.parse(Array(String(Int.min).utf8)) == Int.min)
    }

    @Test("the default coder keeps integers raw and tags everything else")
    func coder() throws {
        let coder = DefaultCacheValueCoder()
        #expect(try coder.encode(123) == Array("123".utf8))
        #expect(try coder.encode("abc") == Array("sabc".utf8))
        #expect(try coder.decode(Int.self, from: Array("123".utf8)) == 123)
        #expect(try coder.decode(Double.self, from: Array("123".utf8)) == 123)
        #expect(try coder.decode(String?.self, from: Array("sabc".utf8)) == "abc")
        #expect(throws: CacheValueCoderError.self) { try coder.decode(Int.self, from: Array("sabc".utf8)) }
        #expect(throws: CacheValueCoderError.self) { try coder.decode(Int.self, from: [0xFF, 1, 2]) }
        #expect(throws: CacheValueCoderError.self) { try coder.decode(Int.self, from: []) }
    }

    @Test("undecodable stored bytes are a typed error, never another value")
    func undecodableBytes() async throws {
        let backend = MemoryCacheBackend(location: UUID().uuidString, configuration: .init(maxBytes: 1 << 20))
        let cache = Cache(backend: backend)
        try await backend.set(":1:bad", value: .bytes([UInt8(ascii: "j"), 0x7B]), lifetime: .forever)
        await #expect(throws: CacheError.self) { try await cache.get("bad", as: [String: Int].self) }
    }
}
