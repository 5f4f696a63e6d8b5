import Caching

/// What a ``MemcachedCacheBackend`` does when a server cannot be reached: the
/// failure mode every network backend shares (`CacheFailureMode`),
/// under the name this backend has always used.
///
/// Only the unusable server's keys are affected: keys on the other servers
/// work as before, `setMany` returns the server's keys as failed, and `clear`
/// skips it with a warning.
public typealias MemcachedFailureMode = CacheFailureMode
