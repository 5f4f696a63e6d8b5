import Caching
import CachingBackends
import Foundation
import HTTPCaching
import Testing

/// The documentation's settings files are real ones: each ```json block loads,
/// builds every alias with every backend, and reads its HTTP sections, so a
/// renamed member or option fails here with the block's line.
@Suite("README settings blocks")
struct ReadmeSettingsTests {
    @Test("the documentation has settings blocks to check")
    func blocksExist() {
        #expect(readmeSettingsBlocks.count >= 5)
    }

    @Test("every ```json block of the documentation is a valid settings file")
    func everyBlockLoads() throws {
        for block in readmeSettingsBlocks {
            let trimmed = block.json.drop(while: \.isWhitespace)
            // A block showing one section ("cacheHeaders": {...}) is that section of a file.
            let text = trimmed.hasPrefix("\"") ? "{" + block.json + "}" : block.json
            do {
                let settings = try CacheSettings(json: Data(text.utf8))
                let caches = try Caches(settings: settings, registry: .allBackends)
                let http = try HTTPCacheSettings(document: settings.document)
                _ = try http.pageCache(in: caches)
                _ = try CacheHeadersConfiguration(document: settings.document)
            } catch {
                Issue.record("\(block.file):\(block.line): \(error)")
            }
        }
    }
}
