import Testing

extension ConformanceTests {
    @Test("redis", arguments: ConformanceCheck.all)
    func redis(_ check: ConformanceCheck) async throws {
        try await check.run(.redis)
    }
}
