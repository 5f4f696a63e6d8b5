import Caching
import Foundation
import MemcachedCaching
import PostgresCaching
import RedisCaching
import Testing

/// Every duration option of the network backends goes through one reader:
/// values that would overflow the conversion to a `Duration` (and trap), zero
/// and negative timeouts, and values over a day are settings errors naming the
/// option's path, never a crash or a silently odd bound.
@Suite("Duration options")
struct DurationOptionTests {
    static let registry: CacheBackendRegistry = {
        var registry = CacheBackendRegistry()
        registry.registerRedisBackend()
        registry.registerMemcachedBackend()
        registry.registerPostgresBackend()
        return registry
    }()

    /// Each backend with a location and the options it needs besides the one tested.
    static let backends: [(name: String, location: String, options: String, durations: [String])] = [
        ("redis", "redis://127.0.0.1:1/0", "", ["connectTimeout", "timeout", "breakerCoolDown", "breakerMaxCoolDown"]),
        ("memcached", "127.0.0.1:1", "", ["connectTimeout", "timeout", "breakerCoolDown", "breakerMaxCoolDown"]),
        ("postgres", "cache_table", #""url": "postgres://u:p@127.0.0.1:1/db", "#, ["timeout", "breakerCoolDown", "breakerMaxCoolDown"]),
    ]

    func message(_ backend: (name: String, location: String, options: String, durations: [String]), _ option: String, _ value: String) -> String? {
        let json = #"{ "caches": { "default": { "backend": ""# + backend.name + #"", "location": ""# + backend.location
            + #"", "options": { "# + backend.options + "\"\(option)\": \(value) } } } }"
        do {
            _ = try Caches(settings: CacheSettings(json: Data(json.utf8)), registry: Self.registry)
            return nil
        } catch let error as CacheConfigurationError {
            return error.description
        } catch {
            return "\(type(of: error)): \(error)"
        }
    }

    @Test("out-of-range durations are settings errors naming the path", arguments: ["1e300", "-1", "0", "86401", "-0.001"])
    func outOfRange(value: String) {
        for backend in Self.backends {
            for option in backend.durations {
                let text = message(backend, option, value)
                let expected = "caches.default.options.\(option): must be a number of seconds, more than 0 and at most 86400 (one day), not \(Double(value) ?? .nan)"
                #expect(text?.contains(expected) == true, "\(backend.name) \(option)=\(value): \(text ?? "accepted")")
            }
        }
    }

    @Test("a duration of the wrong type names the option and the type")
    func wrongType() {
        for backend in Self.backends {
            for option in backend.durations {
                let text = message(backend, option, #""nan""#)
                #expect(text?.contains("caches.default.options.\(option): must be a number, not \"nan\"") == true,
                        "\(backend.name) \(option): \(text ?? "accepted")")
            }
        }
    }

    @Test("memcached's retryInterval may be 0 but not negative or over a day")
    func retryInterval() {
        let memcached = Self.backends[1]
        #expect(message(memcached, "retryInterval", "0") == nil)
        for value in ["-1", "1e300"] {
            let text = message(memcached, "retryInterval", value)
            #expect(text?.contains("caches.default.options.retryInterval: must be a number of seconds, 0 or more and at most 86400 (one day)") == true,
                    "\(value): \(text ?? "accepted")")
        }
    }

    @Test("in-range durations are accepted, up to one day")
    func inRange() {
        for backend in Self.backends {
            for option in backend.durations {
                for value in ["0.001", "86400"] {
                    let text = message(backend, option, value)
                    #expect(text == nil, "\(backend.name) \(option)=\(value): \(text ?? "")")
                }
            }
        }
    }
}
