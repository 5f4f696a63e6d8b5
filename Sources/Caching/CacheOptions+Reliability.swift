extension CacheOptions {
    /// The `failureMode` option (`"error"`, the default, or `"miss"`): one
    /// reading for every network backend.
    package func failureMode() throws -> CacheFailureMode {
        guard let name = try string("failureMode") else { return .error }
        guard let mode = CacheFailureMode(named: name) else {
            throw error("failureMode", "must be \"error\" or \"miss\", not \"\(name)\"")
        }
        return mode
    }

    /// The circuit breaker options: `breakerThreshold` (failures in a row,
    /// default 3, 0 for no breaker), `breakerCoolDown` (seconds, default
    /// `defaultCoolDown`) and `breakerMaxCoolDown` (seconds, default 1).
    package func circuitBreaker(defaultCoolDown: Double = 0.25) throws -> CircuitBreakerSettings {
        let threshold = try int("breakerThreshold", default: 3, minimum: 0)
        let coolDown = try seconds("breakerCoolDown", default: defaultCoolDown)
        let maxCoolDown = try seconds("breakerMaxCoolDown", default: max(1, defaultCoolDown))
        return CircuitBreakerSettings(
            failureThreshold: threshold, coolDown: coolDown, maxCoolDown: max(coolDown, maxCoolDown), alias: alias)
    }

    /// The longest duration option accepted: one day. A timeout or cool-down
    /// longer than that is a typo (milliseconds written as seconds), and
    /// capping it keeps the conversion to a `Duration` from overflowing.
    package static let maximumSeconds: Double = 86_400

    /// A duration option in seconds, as a `Duration`: the one reader of every
    /// duration option (timeouts, connect timeouts, breaker cool-downs), so
    /// each refuses the same inputs the same way. The value must be a finite
    /// number of seconds, above 0 (or at least 0 with `allowZero`) and at most
    /// ``maximumSeconds``; anything else is an error naming the option's path.
    package func seconds(_ name: String, default defaultValue: Double, allowZero: Bool = false) throws -> Duration {
        let value = try double(name) ?? defaultValue
        guard value.isFinite, allowZero ? value >= 0 : value > 0, value <= Self.maximumSeconds else {
            let range = allowZero ? "0 or more" : "more than 0"
            throw error(name, "must be a number of seconds, \(range) and at most \(Int(Self.maximumSeconds)) (one day), not \(value)")
        }
        // A positive value under a nanosecond still bounds something: 1 ns, not 0.
        let nanoseconds = Int64((value * 1e9).rounded())
        return .nanoseconds(allowZero || value == 0 ? nanoseconds : max(1, nanoseconds))
    }
}
