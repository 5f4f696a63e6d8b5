import Testing

extension ConformanceTests {
    /// Serialized: `clear` (and the fixture's flush of a new store) wipes both
    /// servers, which parallel checks would see.
    @Test("memcached", .serialized, arguments: ConformanceCheck.all)
    func memcached(_ check: ConformanceCheck) async throws {
        try await check.run(.memcached)
    }
}
