import ArgumentParser
import Caching
import CachingPurge

/// `cachectl purge --tag T --varnish URL`: drops every object tagged T from
/// the Varnish instances (xkey VCL of `generate-vcl --xkey`) and, with
/// `--cache ALIAS`, invalidates the tags in that cache of the settings too.
struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Purge tagged pages from Varnish (xkey) and, with --cache, invalidate the tags in a cache.")

    @OptionGroup var options: SettingsOptions

    @Option(name: .long, help: "A tag to purge (repeatable).")
    var tag: [String] = []

    @Option(name: .long, help: "A Varnish instance, such as http://127.0.0.1:6081 (repeatable).")
    var varnish: [String] = []

    @Option(name: .long, help: "Also invalidate the tags in this cache alias of the settings.")
    var cache: String?

    func validate() throws {
        if tag.isEmpty { throw ValidationError("name at least one --tag") }
        if varnish.isEmpty && cache == nil { throw ValidationError("name a --varnish instance or a --cache alias to purge") }
    }

    func run() async throws {
        try await reportingFailure(settings: cache == nil ? nil : options.settings) {
            if let cache {
                let target = try options.cache(cache)
                try await target.invalidate(tags: tag)
                try await target.close()
                print("Invalidated \(tag.joined(separator: " ")) in cache '\(cache)'.")
            }
            if !varnish.isEmpty {
                let answers = try await VarnishPurger(instances: varnish).purge(tags: tag)
                for instance in varnish { print("\(instance): purged \(answers[instance] ?? 0) objects") }
            }
        }
    }
}
