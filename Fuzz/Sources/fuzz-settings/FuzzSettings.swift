// libFuzzer target for settings JSON: `caches`, `httpCache`, `cacheHeaders`.
import Foundation
import FuzzSupport
@testable import Caching
@testable import HTTPCaching

/// The process entry point: SwiftPM links `main` to this; it runs libFuzzer.
@_cdecl("fuzz_settings_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTestOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    ParserRuns.count("settings-json")
    let settings: CacheSettings
    do {
        settings = try CacheSettings(json: Data(input.bytes))
    } catch is CacheConfigurationError {
        return 0
    } catch {
        require(false, "settings threw an untyped error: \(error)")
        return 0
    }
    for (alias, configuration) in settings.caches {
        for location in CacheConfiguration.serverLocations(in: configuration.location) {
            require(!location.isEmpty && location.first?.isWhitespace != true, "server location '\(location)'")
        }
        _ = configuration.timeout.resolved(default: .seconds(300)).deadline(now: 1_700_000_000)
        let options = CacheOptions(alias: alias, backend: configuration.backend, values: configuration.options)
        _ = try? options.int("maxEntries", default: 300, minimum: 1)
        _ = try? options.double("timeout")
        // The one reader of every backend's duration options: whatever the
        // number, a Duration within a day or a settings error, never a trap.
        for name in ["timeout", "connectTimeout", "breakerCoolDown", "retryInterval"] {
            for allowZero in [false, true] {
                if let duration = try? options.seconds(name, default: 1, allowZero: allowZero) {
                    require(duration <= .seconds(CacheOptions.maximumSeconds) && (allowZero ? duration >= .zero : duration > .zero),
                            "\(name) read as \(duration)")
                }
            }
        }
        _ = try? options.circuitBreaker()
        _ = try? options.failureMode()
    }
    do {
        _ = try HTTPCacheSettings(document: settings.document)
    } catch is CacheConfigurationError {
    } catch {
        require(false, "httpCache threw an untyped error: \(error)")
    }
    do {
        _ = try CacheHeadersConfiguration(document: settings.document)
    } catch is CacheConfigurationError {
    } catch {
        require(false, "cacheHeaders threw an untyped error: \(error)")
    }
    return 0
}
