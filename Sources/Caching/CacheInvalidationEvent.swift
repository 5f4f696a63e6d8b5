/// What a ``CacheInvalidationChannel`` reports to its listener.
public enum CacheInvalidationEvent: Sendable, Equatable {
    /// The channel listens: changes from now on will be delivered.
    case connected
    /// The channel stopped listening (connection lost, server down, a lagging
    /// subscriber cut off, no answer to a heartbeat): changes may be missed.
    case disconnected
    /// These final keys changed.
    case keys([String])
    /// Every key may have changed.
    case all
}
