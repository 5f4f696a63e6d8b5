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

    @Test("errors name the JSON path and what to fix", arguments: [
        (#"{"caches": {"other": {"backend": "memory"}}}"#, "caches: You must define a 'default' cache in your cache settings (the aliases are other)"),
        (#"{"caches": {"default": {"backend": "nope"}}}"#, "caches.default.backend: unknown backend \"nope\"; the registered backends are dummy, file, memory"),
        (#"{"caches": {"default": {"backend": "memroy"}}}"#, "caches.default.backend: unknown backend \"memroy\"; did you mean \"memory\"?"),
        (#"{"caches": {"default": {"backend": "memory", "options": {"maxEntires": 5}}}}"#,
         "caches.default.options.maxEntires: unknown option \"maxEntires\"; did you mean \"maxEntries\"?"),
        (#"{"caches": {"default": {"backend": "memory", "options": {"size": 5}}}}"#,
         "caches.default.options.size: unknown option \"size\"; the options here are cullFrequency, maxBytes, maxEntries"),
        (#"{"caches": {"default": {"backend": "dummy", "options": {"size": 5}}}}"#,
         "caches.default.options.size: unknown option \"size\"; none are accepted here"),
        (#"{"caches": {"default": {"backend": "memory", "options": {"maxEntries": "lots"}}}}"#,
         "caches.default.options.maxEntries: must be a whole number, not \"lots\""),
        (#"{"caches": {"default": {"backend": "memory", "options": {"maxEntries": 1.5}}}}"#,
         "caches.default.options.maxEntries: must be a whole number, not 1.5 (a number)"),
        (#"{"caches": {"default": {"backend": "memory", "options": {"cullFrequency": -1}}}}"#,
         "caches.default.options.cullFrequency: must be at least 0, not -1"),
        (#"{"caches": {"default": {"backend": "memory", "timeout": "soon"}}}"#,
         "caches.default.timeout: must be a number of seconds or null (never expires), not \"soon\""),
        (#"{"caches": {"default": {"backend": "memory", "timeout": "nan"}}}"#,
         "caches.default.timeout: must be a number of seconds or null (never expires), not \"nan\""),
        (#"{"caches": {"default": {"backend": "memory", "timeout": "inf"}}}"#,
         "caches.default.timeout: must be a number of seconds or null (never expires), not \"inf\""),
        (#"{"caches": {"default": {"backend": "memory", "timeout": "1e999"}}}"#,
         "caches.default.timeout: must be a number of seconds or null (never expires), not \"1e999\""),
        (#"{"caches": {"default": {"backend": "memory", "version": "2"}}}"#,
         "caches.default.version: must be a whole number such as 2, not \"2\" (a string)"),
        (#"{"caches": {"default": {"backend": "memory", "TIMEOUT": 5}}}"#,
         "caches.default.TIMEOUT: unknown member \"TIMEOUT\"; did you mean \"timeout\"?"),
        (#"{"caches": {"default": {"backend": "memory", "KEY_PREFIX": "x"}}}"#,
         "caches.default.KEY_PREFIX: unknown member \"KEY_PREFIX\"; did you mean \"keyPrefix\"?"),
        (#"{"caches": {"default": {"backend": "memory", "optons": {}}}}"#,
         "caches.default.optons: unknown member \"optons\"; did you mean \"options\"?"),
        (#"{"caches": {"default": {"backend": "memory", "colour": "red"}}}"#,
         "caches.default.colour: unknown member \"colour\"; the members here are backend, keyFunction, keyPrefix, location, options, timeout, version"),
        (#"{"caches": {"default": {"location": "x"}}}"#, "caches.default: has no \"backend\""),
        (#"{"caches": {"default": {"backend": "file"}}}"#, "caches.default: Cache 'default' (backend 'file') needs a 'location'"),
        (#"{"caches": {"default": {"backend": "memory", "keyFunction": "mine"}}}"#,
         "caches.default.keyFunction: unknown key function \"mine\"; register it"),
        (#"{"caches": [1, 2]}"#, "caches: must be an object of aliases"),
        (#"{"cache": {"default": {"backend": "memory"}}}"#, "cache: unknown section \"cache\"; did you mean \"caches\"?"),
        (#"{"httpcache": {}}"#, "httpcache: unknown section \"httpcache\"; did you mean \"httpCache\"?"),
        (#"{"cacheheaders": {}}"#, "cacheheaders: unknown section \"cacheheaders\"; did you mean \"cacheHeaders\"?"),
        (#"{"caches": "#, "line 1, column 12: the JSON ends where a value was expected"),
        ("[1]", "(top level): the settings must be a JSON object"),
    ])
    func badSettings(json: String, expected: String) {
        let message = configurationError { _ = try Caches(settings: settings(json)) }
        #expect(message?.hasPrefix(expected) == true, "\(message ?? "no error")")
    }

    @Test("a backend of another module names CacheBackendRegistry.allBackends", arguments: ["redis", "postgres", "sqlite", "memcached",
        "django.core.cache.backends.redis.RedisCache"])
    func backendOfAnotherModule(backend: String) {
        let message = configurationError { _ = try Caches(settings: settings(#"{"caches": {"default": {"backend": "\#(backend)"}}}"#)) }
        #expect(message?.hasPrefix("caches.default.backend: the backend \"\(backend)\" is not in this registry (it has dummy, file, memory)") == true,
                "\(message ?? "no error")")
        #expect(message?.contains("CacheBackendRegistry.allBackends from the CachingBackends module") == true)
    }

    @Test("malformed JSON reports its line and column", arguments: [
        ("{\n  \"caches\": {\n    \"default\": { \"backend\": \"memory\" \"location\": \"x\" }\n  }\n}",
         "line 3, column 38: expected \",\" or \"}\" after the member \"backend\", found `\"location\": …`"),
        ("{\n  \"caches\": {},\n}", "line 3, column 1: a trailing comma before \"}\" is not allowed in JSON"),
        ("{\"caches\": {'default': 1}}", "line 1, column 13: expected a member name in double quotes, found `'default': 1…`"),
        ("{\"caches\": {}, \"caches\": {}}", "line 1, column 16: the member \"caches\" is written twice in the same object; keep one"),
        ("{\"a\": tru}", "line 1, column 7: expected a value"),
        ("{\"a\": \"x\n\"}", "line 1, column 9: a string runs past the end of the line"),
        ("{\"a\": 01}", "line 1, column 8: numbers must not have leading zeros"),
        ("{} {}", "line 1, column 4: unexpected `{}` after the end of the JSON value"),
        ("", "line 1, column 1: the settings are empty"),
        ("{\"é\": [1,\n 2,, 3]}", "line 2, column 4: expected a value"),
    ])
    func malformedJSON(json: String, expected: String) {
        let message = configurationError { _ = try settings(json) }
        #expect(message?.hasPrefix(expected) == true, "\(message ?? "no error")")
    }

    @Test("the parser reads what JSON allows: escapes, surrogate pairs, numbers, nesting")
    func parserReadsJSON() throws {
        let value = try JSONParser.parse(Array(#"\#u{FEFF}{"s": "a\"b\\c\/\n\u00e9\ud83d\ude00", "n": [-0.5e2, 0, 12, 1E+2], "t": true, "f": false, "z": null, "o": {}}"#.utf8))
        #expect(value == .object([
            "s": .string("a\"b\\c/\né😀"), "n": .array([.number(-50), .number(0), .number(12), .number(100)]),
            "t": .bool(true), "f": .bool(false), "z": .null, "o": .object([:]),
        ]))
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: CacheConfigurationError.self) { try JSONParser.parse(Array(deep.utf8)) }
        #expect(throws: CacheConfigurationError.self) { try JSONParser.parse(Array("1e999".utf8)) }
    }

    @Test("an application's own sections are allowed when named; unknown ones are not")
    func additionalSections() throws {
        let json = Data(#"{"caches": {"default": {"backend": "memory"}}, "myApp": {"x": 1}}"#.utf8)
        #expect(throws: CacheConfigurationError.self) { try CacheSettings(json: json) }
        let settings = try CacheSettings(json: json, additionalSections: ["myApp"])
        #expect(settings.document["myApp"]?["x"] == .number(1))
    }

    @Test("near misses: case, underscores and a few edits are suggested; distant names are not")
    func suggestions() {
        #expect(SettingsMembers.suggestion(for: "MAX_ENTRIES", among: ["maxEntries", "cullFrequency"]) == "maxEntries")
        #expect(SettingsMembers.suggestion(for: "maxEntrys", among: ["maxEntries", "cullFrequency"]) == "maxEntries")
        #expect(SettingsMembers.suggestion(for: "cullFreqeuncy", among: ["maxEntries", "cullFrequency"]) == "cullFrequency")
        #expect(SettingsMembers.suggestion(for: "size", among: ["maxEntries", "cullFrequency"]) == nil)
        #expect(SettingsMembers.suggestion(for: "x", among: [String]()) == nil)
    }

    @Test("errors from a settings file name the file")
    func errorsNameTheFile() throws {
        let path = FileManager.default.temporaryDirectory.path + "/settings-" + UUID().uuidString + ".json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"caches": {"default": {"backend": "memory", "options": {"maxEntrys": 5}}}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try CacheSettings.load(contentsOf: path)
        #expect(settings.file == path)
        let message = configurationError { _ = try Caches(settings: settings) }
        #expect(message == "\(path): caches.default.options.maxEntrys: unknown option \"maxEntrys\"; did you mean \"maxEntries\"?")
        try "{\n  \"caches\": {\n}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(configurationError { _ = try CacheSettings.load(contentsOf: path) }
            == "\(path): line 3, column 2: expected \",\" or \"}\" after the member \"caches\", found the end of the file")
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

    @Test("custom backends: declared options are checked before the factory runs; undeclared ones by what finish() saw read")
    func customBackendOptions() {
        var registry = CacheBackendRegistry.standard
        registry.register("declared", options: ["path"]) { _ in
            throw CacheConfigurationError("the factory ran")
        }
        registry.register("undeclared") { context in
            _ = try context.options.string("path")
            try context.options.finish()
            return DummyCacheBackend()
        }
        #expect(registry.optionNames(of: "declared") == ["path"])
        #expect(registry.optionNames(of: "undeclared") == nil)
        for backend in ["declared", "undeclared"] {
            let message = configurationError {
                _ = try Caches(settings: settings(#"{"caches": {"default": {"backend": "\#(backend)", "options": {"paht": "x"}}}}"#),
                               registry: registry)
            }
            #expect(message == #"caches.default.options.paht: unknown option "paht"; did you mean "path"?"#, "\(backend)")
        }
    }

    @Test("a missing settings file names its path")
    func missingFile() {
        let message = configurationError { _ = try CacheSettings.load(contentsOf: "/nonexistent/caches.json") }
        #expect(message == "/nonexistent/caches.json: the settings file does not exist; check the path (relative paths start in \(FileManager.default.currentDirectoryPath))")
    }
}
