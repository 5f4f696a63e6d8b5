import Logging
import NIOCore
import Synchronization

/// A fixed number of pipelined connections to one Redis server.
///
/// Callers take connections round-robin; each connection carries any number of
/// concurrent commands, so a handful of connections serves many tasks. A slot
/// connects lazily, shares one connection attempt among the callers that
/// arrive while it is under way, and reconnects on the next use after its
/// connection closed — which is how the client recovers when a server
/// restarts, without the application doing anything.
final class RedisConnectionPool: Sendable {
    private enum Slot {
        case empty
        case connecting(Task<RedisConnection, any Error>)
        case ready(RedisConnection)
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        var closed = false
    }

    private enum Step {
        case ready(RedisConnection)
        case wait(Task<RedisConnection, any Error>, slot: Int)
        case closed
    }

    let endpoint: RedisEndpoint
    private let configuration: RedisClient.Configuration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<State>

    init(endpoint: RedisEndpoint, configuration: RedisClient.Configuration, group: any EventLoopGroup, logger: Logger) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.state = Mutex(State(slots: Array(repeating: .empty, count: max(1, configuration.connectionsPerServer))))
    }

    /// A usable connection, connecting if needed.
    func connection() async throws(RedisError) -> RedisConnection {
        let step: Step = state.withLock { state in
            guard !state.closed else { return .closed }
            let index = state.next % state.slots.count
            state.next &+= 1
            switch state.slots[index] {
            case .ready(let connection) where connection.isUsable:
                return .ready(connection)
            case .connecting(let task):
                return .wait(task, slot: index)
            case .ready, .empty:
                let endpoint = endpoint, configuration = configuration, group = group
                let task = Task { () async throws -> RedisConnection in
                    try await RedisConnection.connect(to: endpoint, configuration: configuration, group: group)
                }
                state.slots[index] = .connecting(task)
                return .wait(task, slot: index)
            }
        }
        switch step {
        case .closed:
            throw .clientClosed
        case .ready(let connection):
            return connection
        case .wait(let task, let slot):
            do {
                let connection = try await task.value
                let stillOpen = state.withLock { state in
                    guard !state.closed else { return false }
                    if case .connecting(let current) = state.slots[slot], current == task {
                        state.slots[slot] = .ready(connection)
                    }
                    return true
                }
                guard stillOpen else {
                    connection.close()
                    throw RedisError.clientClosed
                }
                return connection
            } catch {
                state.withLock { state in
                    if case .connecting(let current) = state.slots[slot], current == task { state.slots[slot] = .empty }
                }
                let redisError = (error as? RedisError) ?? .connectionClosed("\(error)")
                logger.warning("Redis connection failed", metadata: [
                    "redis.server": "\(endpoint)", "error": "\(redisError)",
                ])
                throw redisError
            }
        }
    }

    /// Closes every connection; later calls fail with ``RedisError/clientClosed``.
    func close() {
        let slots = state.withLock { state in
            state.closed = true
            let slots = state.slots
            state.slots = Array(repeating: .empty, count: slots.count)
            return slots
        }
        for slot in slots {
            switch slot {
            case .ready(let connection): connection.close()
            case .connecting(let task): Task { try? await task.value.close() }
            case .empty: break
            }
        }
    }
}
