import Caching
import Foundation
import Testing

@Suite("Settings and aliases")
struct CacheSettingsTests {
    func settings(_ json: String) throws -> CacheSettings {
        try CacheSettings(json: Data(json.utf8))
    }

    func configurationError(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as CacheConfigurationError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("a full settings file builds every alias")
    func fullFile() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/settings-" + UUID().uuidString
        let caches = try Caches(settings: settings("""
            {"caches": {
              "default": {"backend": "memory", "location": "settings-test", "timeout": 60, "keyPrefix": "site", "version": 3,
                          "options": {"maxEntries": 1000, "cullFrequency": 4}},
              "files": {"backend": "file", "location": "\(directory)", "timeout": null},
              "off": {"backend": "django.core.cache.backends.dummy.DummyCache"}
            }}
            """))
        #expect(caches.aliases == ["default", "files", "off"])
        #expect(caches.default.keyPrefix == "site")
        #expect(caches.default.version == 3)
        #expect(caches.default.defaultLifetime == .seconds(60))
        #expect(caches.default.makeKey("k") == "site:3:k")
        #expect(try caches["files"].defaultLifetime == .forever)
        try await caches.default.set("k", 1)
        #expect(try await caches.default.get("k", as: Int.self) == 1)
        #expect(try caches["off"].backend is DummyCacheBackend)
    }

    @Test("no settings file section means Django's default: one memory cache")
    func defaults() throws {
        let caches = try Caches(settings: settings("{}"))
        #expect(caches.aliases == ["default"])
        #expect(caches.default.backend is MemoryCacheBackend)
        #expect(caches.default.defaultLifetime == .seconds(300))
    }

    @Test("an unknown alias names itself")
    func unknownAlias() throws {
        let caches = try Caches()
        let message = configurationError { _ = try caches["unknown"] }
        #expect(message == "The cache alias 'unknown' doesn't exist; the configured aliases are default")
    }

    @Test("errors name what to fix", arguments: [
        (#"{"caches": {"other": {"backend": "memory"}}}"#, "You must define a 'default' cache in your cache settings"),
        (#"{"caches": {"default": {"backend": "nope"}}}"#, "Could not find backend 'nope' for cache 'default'"),
        (#"{"caches": {"default": {"backend": "memory", "options": {"maxEntires": 5}}}}"#, "option 'maxEntires'"),
        (#"{"caches": {"default": {"backend": "memory", "options": {"maxEntries": "lots"}}}}"#, "option 'maxEntries' must be an integer"),
        (#"{"caches": {"default": {"backend": "memory", "options": {"cullFrequency": -1}}}}"#, "option 'cullFrequency' must be at least 0"),
        (#"{"caches": {"default": {"backend": "memory", "timeout": "soon"}}}"#, "'timeout' must be a number of seconds or null"),
        (#"{"caches": {"default": {"backend": "memory", "TIMEOUT": 5}}}"#, "unknown setting 'TIMEOUT'"),
        (#"{"caches": {"default": {"location": "x"}}}"#, "Cache 'default' has no 'backend'"),
        (#"{"caches": {"default": {"backend": "file"}}}"#, "needs a 'location'"),
        (#"{"caches": {"default": {"backend": "memory", "keyFunction": "mine"}}}"#, "unknown key function 'mine'"),
        (#"{"caches": [1, 2]}"#, "\"caches\" must be an object"),
        (#"{"caches": "#, "not valid JSON"),
    ])
    func badSettings(json: String, expected: String) {
        let message = configurationError { _ = try Caches(settings: settings(json)) }
        #expect(message?.contains(expected) == true, "\(message ?? "no error")")
    }

    @Test("a numeric string timeout is accepted, as Django's int() does")
    func stringTimeout() throws {
        let caches = try Caches(settings: settings(#"{"caches": {"default": {"backend": "memory", "timeout": "1"}}}"#))
        #expect(caches.default.defaultLifetime == .seconds(1))
    }

    @Test("custom backends and key functions register by name")
    func customRegistration() async throws {
        var registry = CacheBackendRegistry.standard
        registry.register("always-empty") { context in
            try context.options.finish()
            return DummyCacheBackend()
        }
        registry.registerKeyFunction("upper", CacheKeyFunction { key, prefix, version in "\(prefix)|\(version)|\(key.uppercased())" })
        let caches = try Caches(
            settings: settings(#"{"caches": {"default": {"backend": "always-empty", "keyFunction": "upper", "keyPrefix": "p"}}}"#),
            registry: registry)
        #expect(caches.default.makeKey("abc") == "p|1|ABC")
        #expect(caches.default.backend is DummyCacheBackend)
    }

    @Test("a missing settings file names its path")
    func missingFile() {
        let message = configurationError { _ = try CacheSettings.load(contentsOf: "/nonexistent/caches.json") }
        #expect(message?.contains("/nonexistent/caches.json") == true)
    }
}
