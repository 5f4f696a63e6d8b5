#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The time source a local backend measures expiry against, in seconds.
///
/// Inject ``manual(_:)`` in tests to move time without sleeping.
public struct CacheClock: Sendable {
    /// The current time in seconds.
    public let now: @Sendable () -> Double

    /// Wraps a time source.
    public init(now: @escaping @Sendable () -> Double) {
        self.now = now
    }

    /// Wall-clock time, seconds since 1970. Used where expiry is persisted (files).
    public static let wall = CacheClock { CacheClock.read(CLOCK_REALTIME) }

    /// Monotonic time: immune to wall-clock jumps, so an in-memory entry lives as
    /// long as it was asked to even if the system clock is changed.
    public static let monotonic = CacheClock { CacheClock.read(CLOCK_MONOTONIC) }

    #if os(Linux)
    /// Monotonic time at the kernel tick's resolution (a few milliseconds), several
    /// times cheaper to read than ``monotonic``: the memory backend reads the
    /// clock on every call, and cache expiry does not need finer precision.
    public static let coarseMonotonic = CacheClock { CacheClock.read(CLOCK_MONOTONIC_COARSE) }
    #else
    /// On systems without a coarse clock, the same as ``monotonic``.
    public static let coarseMonotonic = monotonic
    #endif

    /// A clock that reads a ``ManualClockSource``, for tests.
    public static func manual(_ source: ManualClockSource) -> CacheClock {
        CacheClock { source.now }
    }

    private static func read(_ id: clockid_t) -> Double {
        var spec = timespec()
        clock_gettime(id, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

import Synchronization

/// A settable time source for tests.
public final class ManualClockSource: Sendable {
    private let value: CacheLock<Double>

    /// Starts the clock at `start` seconds.
    public init(start: Double = 1_000_000) {
        value = CacheLock(start)
    }

    /// The current time.
    public var now: Double { value.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by seconds: Double) {
        value.withLock { $0 += seconds }
    }
}
