/// How a network backend's circuit breaker reacts to a server that fails.
///
/// After ``failureThreshold`` failures in a row (refused connects, lost
/// connections), or after one call that waited out its whole timeout (a hung
/// server: the next call would wait as long), the server's circuit *opens*: its calls fail at once,
/// without touching the network, for ``coolDown``. Then one call — the probe —
/// is let through; if it succeeds the circuit closes, if not it opens again for
/// twice as long (up to ``maxCoolDown``), each cool-down made up to 20 %
/// shorter at random so that many processes do not probe in step. The cap is
/// short by default (1 s): a probe costs one call, and a server that is back
/// is used again within the cap. Without it every call would wait
/// out a timeout of its own while the server is down.
///
/// Settings options: `breakerThreshold`, `breakerCoolDown` and
/// `breakerMaxCoolDown` (seconds).
public struct CircuitBreakerSettings: Sendable, Hashable {
    /// Failures in a row that open the circuit (default 3; 0 turns the breaker off).
    public var failureThreshold: Int
    /// The first cool-down (default 0.25 s); it doubles after each failed probe.
    public var coolDown: Duration
    /// The longest cool-down (default 1 s): the longest a server that is back
    /// waits for its probe.
    public var maxCoolDown: Duration
    /// The cache alias, for metric labels and logs; the settings loader fills it in.
    public var alias: String

    /// Settings with the defaults.
    public init(failureThreshold: Int = 3, coolDown: Duration = .milliseconds(250), maxCoolDown: Duration = .seconds(1),
                alias: String = "") {
        self.failureThreshold = failureThreshold
        self.coolDown = coolDown
        self.maxCoolDown = maxCoolDown
        self.alias = alias
    }
}
