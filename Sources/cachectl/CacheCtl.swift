import ArgumentParser

/// `cachectl`: manage the caches an application's settings file describes,
/// as Django's `manage.py createcachetable` and a cache shell would.
///
/// Every subcommand reads the same settings JSON as the application
/// (`--settings`, default `caches.json`). Failures print one line to standard
/// error and exit non-zero.
@main
struct CacheCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cachectl",
        abstract: "Manage the caches described by a swift-caching settings file.",
        subcommands: [
            CreateCacheTable.self,
            Clear.self,
            Stats.self,
            Get.self,
            SetValue.self,
            Delete.self,
            GenerateVCL.self,
            Purge.self,
        ]
    )
}
