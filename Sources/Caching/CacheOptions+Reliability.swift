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
        let coolDown = try positiveSeconds("breakerCoolDown", default: defaultCoolDown)
        let maxCoolDown = try positiveSeconds("breakerMaxCoolDown", default: max(1, defaultCoolDown))
        return CircuitBreakerSettings(
            failureThreshold: threshold, coolDown: coolDown, maxCoolDown: max(coolDown, maxCoolDown), alias: alias)
    }

    /// A positive number of seconds, as a `Duration`.
    package func positiveSeconds(_ name: String, default defaultValue: Double) throws -> Duration {
        let value = try double(name) ?? defaultValue
        guard value.isFinite, value > 0, value < 1e9 else { throw error(name, "must be a positive number of seconds") }
        return .nanoseconds(Int64(value * 1e9))
    }
}
