import Caching
import Foundation
import HTTPCaching
import Testing

/// The `httpCache` and `cacheHeaders` sections: every mistake is an error naming
/// its JSON path and what to fix.
@Suite("HTTP settings sections")
struct HTTPSettingsSectionTests {
    func problem(_ json: String) -> String? {
        do {
            let settings = try CacheSettings(json: Data(json.utf8))
            _ = try HTTPCacheSettings(document: settings.document)
            _ = try CacheHeadersConfiguration(document: settings.document)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("the package's sections are declared to CacheSettings, so that misspelt ones are errors")
    func sectionsAreDeclared() {
        #expect(CacheSettings.packageSections.contains(HTTPCacheSettings.section))
        #expect(CacheSettings.packageSections.contains(CacheHeadersConfiguration.section))
    }

    @Test("httpCache and cacheHeaders errors", arguments: [
        (#"{"httpCache": {"mode": "rfc"}}"#, #"httpCache.mode: must be "django" or "shared", not "rfc""#),
        (#"{"httpCache": {"debugHeader": true}}"#, #"httpCache.debugHeader: unknown member "debugHeader"; did you mean "debugHeaders"?"#),
        (#"{"httpCache": {"timeout": 5}}"#, #"httpCache.timeout: unknown member "timeout"; the members here are cache, conditionalGet, debugHeaders, defaultTimeout, hotStoreBytes, hotStoreStaleness, keyPrefix, languageCode, maxBodyBytes, mode, stripTagHeader, tagHeader, targetedCacheControl, timeZone, useI18N, useTZ"#),
        (#"{"httpCache": {"debugHeaders": "yes"}}"#, #"httpCache.debugHeaders: must be true or false, not "yes" (a string)"#),
        (#"{"httpCache": {"maxBodyBytes": 1e300}}"#, "httpCache.maxBodyBytes: must be a whole number, not "),
        (#"{"httpCache": {"maxBodyBytes": -1}}"#, "httpCache.maxBodyBytes: must be at least 0, not -1"),
        (#"{"httpCache": {"defaultTimeout": 1.5}}"#, "httpCache.defaultTimeout: must be a whole number, not 1.5 (a number)"),
        (#"{"httpCache": []}"#, "httpCache: must be an object"),
        (#"{"cacheHeaders": {"timeout": {}}}"#, #"cacheHeaders.timeout: unknown member "timeout"; did you mean "timeouts"?"#),
        (#"{"cacheHeaders": {"timeouts": {"all-user": {"600": ["^/a/"]}}}}"#,
         #"cacheHeaders.timeouts.all-user: unknown policy "all-user"; did you mean "all-users"?"#),
        (#"{"cacheHeaders": {"timeouts": {"all-users": {"ten": ["^/a/"]}}}}"#,
         #"cacheHeaders.timeouts.all-users.ten: the key "ten" must be a whole number of seconds"#),
        (#"{"cacheHeaders": {"timeouts": {"all-users": {"600": "^/a/"}}}}"#,
         #"cacheHeaders.timeouts.all-users.600: must be a list of URL patterns"#),
        (#"{"cacheHeaders": {"timeouts": {"all-users": {"600": ["^/a/", 5]}}}}"#,
         #"cacheHeaders.timeouts.all-users.600[1]: must be a URL pattern (a string), not 5 (a number)"#),
        (#"{"cacheHeaders": {"timeouts": {"all-users": {"600": ["^/ok/", "^/(unclosed"]}}}}"#,
         #"cacheHeaders.timeouts.all-users.600[1]: the URL pattern "^/(unclosed" (policy "all-users", 600 s) is not a valid regular expression: expected ')', at character 3 ("(")"#),
        (#"{"cacheHeaders": {"timeouts": {"all-users": {"600": ["^/x)"]}}}}"#,
         #"cacheHeaders.timeouts.all-users.600[0]: the URL pattern "^/x)" (policy "all-users", 600 s) is not a valid regular expression: closing ')' does not balance any groups openings, at character 4 (")")"#),
        (#"{"cacheHeaders": {"browserCacheSeconds": "100"}}"#, #"cacheHeaders.browserCacheSeconds: must be a whole number of seconds, not "100" (a string)"#),
    ])
    func errors(json: String, expected: String) {
        let message = problem(json)
        #expect(message?.hasPrefix(expected) == true, "\(message ?? "no error")")
    }

    @Test("an unknown page-cache alias is an error at httpCache.cache")
    func unknownAlias() throws {
        let settings = try CacheSettings(json: Data(#"{"httpCache": {"cache": "pages"}}"#.utf8))
        let caches = try Caches(settings: settings)
        do {
            _ = try HTTPCacheSettings(document: settings.document).pageCache(in: caches)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "httpCache.cache: The cache alias 'pages' doesn't exist; the configured aliases are default")
        }
    }

    @Test("valid sections still read as before")
    func validSections() throws {
        let settings = try CacheSettings(json: Data(#"""
            {"httpCache": {"mode": "shared", "cache": "default", "debugHeaders": true, "keyPrefix": "p", "defaultTimeout": 30, "maxBodyBytes": 1024},
             "cacheHeaders": {"browser-cache-seconds": 7, "timeouts": {"per-user": {"60": ["^/account/"]}}}}
            """#.utf8))
        #expect(try HTTPCacheSettings(document: settings.document)
            == HTTPCacheSettings(mode: .shared, cache: "default", debugHeaders: true, keyPrefix: "p", defaultTimeout: 30, maxBodyBytes: 1024))
        let headers = try CacheHeadersConfiguration(document: settings.document)
        #expect(headers.browserCacheSeconds == 7)
        #expect(headers.rule(for: "/account/me")?.policy == "per-user")
    }
}
