import Testing

extension ConformanceTests {
    @Test("redis", arguments: ConformanceCheck.all)
    func redis(_ check: ConformanceCheck) async throws {
        try await check.run(.redis)
    }
}

extension ConformanceTests {
    @Test("redis-cluster", arguments: ConformanceCheck.all)
    func redisCluster(_ check: ConformanceCheck) async throws {
        try await check.run(.redisCluster)
    }
}

extension ConformanceTests {
    @Test("near cache over redis", arguments: ConformanceCheck.all)
    func nearRedis(_ check: ConformanceCheck) async throws {
        try await check.run(.nearRedis)
    }
}
