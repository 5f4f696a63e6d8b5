/// The executable's entry: `NearCacheProbe follow|lead|throughput …` (see ``NearCacheProbe``).
@main
struct NearCacheProbeMain {
    static func main() async throws {
        try await NearCacheProbe.run(CommandLine.arguments)
    }
}
