import Testing

extension ConformanceTests {
    @Test("sqlite", arguments: ConformanceCheck.all)
    func sqlite(_ check: ConformanceCheck) async throws {
        try await check.run(.sqlite)
    }

    @Test("postgres", arguments: ConformanceCheck.all)
    func postgres(_ check: ConformanceCheck) async throws {
        try await check.run(.postgres)
    }
}
