import ArgumentParser
import Caching
import HTTPCaching

/// `cachectl generate-vcl`: prints the Varnish `vcl_hash` for the settings'
/// `cacheHeaders` rules, as django-cache-headers' `manage.py generate_vcl` does.
struct GenerateVCL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-vcl",
        abstract: "Print the Varnish vcl_hash for the settings' cacheHeaders URL rules.")

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        try await reportingFailure(settings: options.settings) {
            let settings = try CacheSettings.load(contentsOf: options.settings)
            let configuration = try CacheHeadersConfiguration(document: settings.document)
            print(CacheHeaders(configuration: configuration).varnishHashVCL(), terminator: "")
        }
    }
}
