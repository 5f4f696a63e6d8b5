#if CACHING_TSAN_LOCKS
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock every shared mutable state of this package sits behind.
///
/// In ordinary builds it *is* `Synchronization.Mutex` (a type alias, so the
/// memory store's hot path costs exactly what it did). ThreadSanitizer on
/// Linux does not see `Mutex`'s futex-based lock, so under it every `withLock`
/// closure two threads run is reported as a race. `scripts/tsan.sh` therefore
/// builds with `-Xswiftc -DCACHING_TSAN_LOCKS`, which swaps in this pthread
/// mutex — one TSan understands — with the same `withLock` as `Mutex`.
package struct CacheLock<Value>: ~Copyable, @unchecked Sendable {
    // @unchecked: `storage.value` is only touched between lock and unlock.
    private let storage: CacheLockStorage<Value>

    /// A lock guarding `initialValue`.
    package init(_ initialValue: consuming sending Value) {
        storage = CacheLockStorage(initialValue)
    }

    /// Runs `body` with the guarded value while holding the lock.
    package borrowing func withLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(storage.mutex)
        defer { pthread_mutex_unlock(storage.mutex) }
        return try body(&storage.value.pointee)
    }
}

/// The pthread mutex and the value of a sanitizer-build ``CacheLock``, at
/// fixed addresses (a pthread mutex must not move).
final class CacheLockStorage<Value>: @unchecked Sendable {
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let value: UnsafeMutablePointer<Value>

    init(_ initialValue: consuming Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }
}
#else
import Synchronization

/// The lock every shared mutable state of this package sits behind:
/// `Synchronization.Mutex` itself in ordinary builds. Under ThreadSanitizer
/// (`scripts/tsan.sh` builds with `-Xswiftc -DCACHING_TSAN_LOCKS`) it is a
/// pthread mutex instead, because TSan on Linux does not see `Mutex`'s
/// futex-based lock and would report every `withLock` closure as a race.
package typealias CacheLock<Value> = Mutex<Value>
#endif
