import Testing

/// Every storing backend runs every check (the dummy runs its own answers, in
/// `ConformanceTests+Dummy.swift`). To add a backend: a fixture in
/// `ConformanceFixtures.swift` and one test here.
@Suite("Backend conformance", .timeLimit(.minutes(5)))
struct ConformanceTests {
    @Test("memory", arguments: ConformanceCheck.all)
    func memory(_ check: ConformanceCheck) async throws {
        try await check.run(.memory)
    }

    @Test("memory with a byte budget", arguments: ConformanceCheck.all)
    func memoryEncoded(_ check: ConformanceCheck) async throws {
        try await check.run(.memoryEncoded)
    }

    @Test("memory with the tinylfu policy", arguments: ConformanceCheck.all)
    func memoryTinyLFU(_ check: ConformanceCheck) async throws {
        try await check.run(.memoryTinyLFU)
    }

    @Test("memory with 8 shards", arguments: ConformanceCheck.all)
    func memorySharded(_ check: ConformanceCheck) async throws {
        try await check.run(.memorySharded)
    }

    @Test("file", arguments: ConformanceCheck.all)
    func file(_ check: ConformanceCheck) async throws {
        try await check.run(.file)
    }
}
