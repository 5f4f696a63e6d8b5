/// A backend whose reads and writes finish without suspending (an in-process
/// store behind a lock).
///
/// ``Cache`` calls these instead of the async requirements when a backend adopts
/// the protocol: an async call through an existential costs a task-allocator
/// frame, which is a large share of a memory-cache hit. Only the two hottest
/// operations are here; everything else goes through ``CacheBackend``.
public protocol SynchronousCacheBackend: CacheBackend, AnyObject {
    /// ``CacheBackend/get(_:)``, without suspending.
    func getSynchronously(_ key: String) throws -> CacheValue?
    /// ``CacheBackend/set(_:value:lifetime:)``, without suspending.
    func setSynchronously(_ key: String, value: CacheValue, lifetime: CacheLifetime) throws
}
