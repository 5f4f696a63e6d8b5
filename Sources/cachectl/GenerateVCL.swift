import ArgumentParser
import Caching
import HTTPCaching

/// `cachectl generate-vcl`: prints the Varnish `vcl_hash` for the settings'
/// `cacheHeaders` rules, as django-cache-headers' `manage.py generate_vcl` does;
/// with `--xkey`, first the purge-by-tag VCL (``HTTPCaching/VarnishXkeyVCL``)
/// for the settings' `httpCache.tagHeader`.
struct GenerateVCL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-vcl",
        abstract: "Print the Varnish vcl_hash for the settings' cacheHeaders URL rules.")

    @OptionGroup var options: SettingsOptions

    @Flag(name: .long, help: "Also print purge-by-tag VCL (xkey vmod, Debian's varnish-modules): a PURGE with an xkey-purge header from loopback drops the objects with those tags.")
    var xkey = false

    @Option(name: .long, help: "An address or network allowed to purge (repeatable; default: loopback).")
    var purgeFrom: [String] = []

    func run() async throws {
        try await reportingFailure(settings: options.settings) {
            let settings = try CacheSettings.load(contentsOf: options.settings)
            let configuration = try CacheHeadersConfiguration(document: settings.document)
            if xkey {
                let tagHeader = try HTTPCacheSettings(document: settings.document).cacheTagHeader
                let allowed = purgeFrom.isEmpty ? ["127.0.0.1", "::1"] : purgeFrom
                print(VarnishXkeyVCL.vcl(tagHeader: tagHeader, allowed: allowed))
            }
            print(CacheHeaders(configuration: configuration).varnishHashVCL(), terminator: "")
        }
    }
}
