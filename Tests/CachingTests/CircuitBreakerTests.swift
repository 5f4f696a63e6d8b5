import Caching
import CachingTestSupport
import Testing

/// The one circuit breaker every network backend uses: its states, one probe
/// at a time, backoff, and logs that say each change once.
@Suite("Circuit breaker")
struct CircuitBreakerTests {
    static func breaker(threshold: Int = 3, coolDown: Duration = .milliseconds(50), maxCoolDown: Duration = .seconds(1),
                        log: LogCapture = LogCapture()) -> CircuitBreaker {
        CircuitBreaker(
            backend: "test", server: "server:1",
            settings: CircuitBreakerSettings(failureThreshold: threshold, coolDown: coolDown, maxCoolDown: maxCoolDown),
            probeTimeout: .seconds(10), logger: log.logger)
    }

    static func isRejected(_ admission: CircuitBreaker.Admission) -> Bool {
        if case .rejected = admission { return true }
        return false
    }

    @Test("failures below the threshold keep it closed; a success resets the count")
    func threshold() {
        let breaker = Self.breaker()
        breaker.failed("refused")
        breaker.failed("refused")
        breaker.succeeded()
        breaker.failed("refused")
        breaker.failed("refused")
        #expect(breaker.state == .closed)
        #expect(breaker.admit() == .allowed)
        breaker.failed("refused")
        #expect(breaker.state == .open)
        guard case .rejected(_, let lastError) = breaker.admit() else { Issue.record("an open circuit admitted a call"); return }
        #expect(lastError == "refused")
    }

    @Test("one call that waited out its timeout opens the circuit at once, and the log says so; a threshold of 0 still means off")
    func timeoutOpensAtOnce() {
        let log = LogCapture()
        let breaker = Self.breaker(log: log)
        breaker.failed("refused")
        #expect(breaker.state == .closed)
        breaker.failed("timed out", timedOut: true)
        #expect(breaker.state == .open)
        #expect(Self.isRejected(breaker.admit()))
        #expect(log.messages.contains { $0.contains("after a call that timed out") }, "\(log.messages)")

        let off = Self.breaker(threshold: 0)
        off.failed("timed out", timedOut: true)
        #expect(off.admit() == .allowed)
    }

    @Test("after the cool-down exactly one probe is let through; its success closes the circuit")
    func oneProbe() async throws {
        let log = LogCapture()
        let breaker = Self.breaker(log: log)
        for _ in 0..<3 { breaker.failed("timed out") }
        try await Task.sleep(for: .milliseconds(80))
        #expect(breaker.admit() == .probe)
        #expect(breaker.state == .halfOpen)
        for _ in 0..<10 { #expect(Self.isRejected(breaker.admit())) }
        breaker.succeeded()
        #expect(breaker.state == .closed)
        #expect(breaker.admit() == .allowed)
        #expect(log.warnings.filter { $0.contains("is unavailable after 3 failures") }.count == 1, "\(log.warnings)")
        #expect(log.messages.contains { $0.contains("reachable again") }, "\(log.messages)")
    }

    @Test("a failed probe opens the circuit again for longer, up to the cap")
    func backoff() async throws {
        let breaker = Self.breaker(coolDown: .milliseconds(100), maxCoolDown: .milliseconds(200))
        for _ in 0..<3 { breaker.failed("refused") }
        guard case .rejected(let first, _) = breaker.admit() else { Issue.record("the circuit did not open"); return }
        #expect(first <= .milliseconds(100))
        try await Task.sleep(for: .milliseconds(150))
        #expect(breaker.admit() == .probe)
        breaker.failed("refused")
        // Doubled: 200 ms, at most 20 % shorter; read at once, so nearly all of it is left.
        guard case .rejected(let second, _) = breaker.admit() else { Issue.record("the probe's failure did not reopen it"); return }
        #expect(second > .milliseconds(100) && second <= .milliseconds(200), "\(second)")
        try await Task.sleep(for: .milliseconds(250))
        #expect(breaker.admit() == .probe)
        breaker.failed("refused")
        // Capped at 200 ms.
        guard case .rejected(let third, _) = breaker.admit() else { Issue.record("the probe's failure did not reopen it"); return }
        #expect(third <= .milliseconds(200), "\(third)")
    }

    @Test("repeated failures and dropped writes are summed up, never logged one by one")
    func aggregation() {
        let log = LogCapture()
        let breaker = Self.breaker(log: log)
        for _ in 0..<500 {
            breaker.failed("refused")
            _ = breaker.admit()
            breaker.droppedWrite()
        }
        #expect(log.warnings.count <= 4, "\(log.warnings)")
        #expect(log.warnings.filter { $0.contains("writes to it are dropped") }.count == 1, "\(log.warnings)")
    }

    @Test("a threshold of 0 turns the breaker off")
    func off() {
        let breaker = Self.breaker(threshold: 0)
        for _ in 0..<10 { breaker.failed("refused") }
        #expect(breaker.admit() == .allowed)
        #expect(breaker.state == .closed)
    }
}
