import Caching
import NIOCore

extension MemcachedCacheBackend {
    /// How many times a compare-and-swap increment reads again after another
    /// client changed the value first.
    static let compareAndSwapAttempts = 100

    /// Adds `delta` atomically, keeping the expiry.
    ///
    /// A non-negative delta on a non-negative number is one `ma`. memcached's
    /// `decr` stops at 0 and its counters are unsigned, so a negative delta, or
    /// a stored negative number, takes `incrementByCompareAndSwap(_:by:pool:)`,
    /// which gives the exact result every other backend gives.
    public func increment(_ key: String, by delta: Int) async throws -> Int {
        try await onServer(for: key, write: true, whenDown: { throw CacheError.keyNotFound(key: key) }) { pool in
            guard delta >= 0 else { return try await incrementByCompareAndSwap(key, by: delta, pool: pool) }
            let command = MemcachedCommand.arithmetic(key: key, delta: UInt64(delta), decrement: false, cas: nil)
            let reply = try await pool.send(.single(command)).first
            switch reply {
            case .value(_, let data)?:
                guard let result = UInt64(String(decoding: Self.storedBytes(data), as: UTF8.self)) else {
                    throw failure(reply, "incr", pool)
                }
                guard result <= UInt64(Int.max) else {
                    // The old value was an Int; put it back.
                    let undo = MemcachedCommand.arithmetic(key: key, delta: UInt64(delta), decrement: true, cas: nil)
                    _ = try? await pool.send(.single(undo))
                    throw CacheError.integerOverflow(key: key)
                }
                return Int(result)
            case .notFound?:
                throw CacheError.keyNotFound(key: key)
            case .clientError?:
                // Not an unsigned decimal number: perhaps a negative one.
                return try await incrementByCompareAndSwap(key, by: delta, pool: pool)
            default:
                throw failure(reply, "incr", pool)
            }
        }
    }

    /// Reads the value with its CAS token and remaining TTL, computes the sum,
    /// and writes it only if nothing changed in between; reads again otherwise.
    ///
    /// When both the old and new values are non-negative the write is `ma` with
    /// the CAS token, which keeps the expiry exactly; otherwise it is `ms` with
    /// the CAS token and the remaining TTL (to the second).
    func incrementByCompareAndSwap(_ key: String, by delta: Int, pool: MemcachedConnectionPool) async throws -> Int {
        for _ in 0..<Self.compareAndSwapAttempts {
            let read = try await pool.send(.single(.getForUpdate(key: key))).first
            guard case .value(let flags, let data)? = read else {
                if case .miss? = read { throw CacheError.keyNotFound(key: key) }
                throw failure(read, "mg", pool)
            }
            guard let current = DecimalInteger.parse(Self.storedBytes(data)) else {
                throw CacheError.notAnInteger(key: key)
            }
            let (result, overflow) = current.addingReportingOverflow(delta)
            guard !overflow else { throw CacheError.integerOverflow(key: key) }
            guard let token = flags["c"], let cas = UInt64(token) else {
                throw CacheError.backendFailure(
                    backend: name, message: "memcached at \(pool.server) sent no CAS token for '\(key)' (is it started with -C?)")
            }
            let write: MemcachedCommand
            if current >= 0 && result >= 0 {
                write = .arithmetic(key: key, delta: UInt64(delta.magnitude), decrement: delta < 0, cas: cas)
            } else {
                let ttl = MemcachedExpiry.exptime(remaining: flags["t"], now: configuration.clock.now())
                write = .store(key: key, value: DecimalInteger.bytes(result), ttl: ttl, mode: .set, cas: cas)
            }
            let reply = try await pool.send(.single(write)).first
            switch reply {
            case .value?, .header?:
                return result
            case .exists?, .clientError?:
                // Changed since the read (to another number, or to a value that is no number).
                continue
            case .notFound?:
                throw CacheError.keyNotFound(key: key)
            default:
                throw failure(reply, write.name, pool)
            }
        }
        throw CacheError.backendFailure(
            backend: name,
            message: "the value under '\(key)' kept changing during an increment; gave up after \(Self.compareAndSwapAttempts) attempts")
    }
}
