import Caching
import Logging
import NIOCore
import NIOPosix

/// Listens for `+switch-master` (and `+promoted-slave`, which comes earlier
/// in a failover) on one sentinel at a time and reports the new primary of
/// one master; when the sentinel's connection drops, it moves to the next
/// sentinel half a second later, until stopped (``RedisSubscriber``).
///
/// Redis replicates asynchronously: writes the old primary acknowledges
/// between the promotion and the client's move are lost. Listening to
/// `+promoted-slave` shortens that window; it cannot close it.
///
/// A switch announced while no sentinel was listened to is missed; the
/// client then finds the new primary when the old one refuses it
/// (connection refused, `READONLY`).
final class RedisSentinelWatcher: Sendable {
    typealias OnSwitch = @Sendable (RedisSlotMap.Node) -> Void

    private let masterName: String
    private let subscriber: RedisSubscriber

    init(sentinels: [RedisSlotMap.Node], masterName: String, group: any EventLoopGroup, logger: Logger) {
        self.masterName = masterName
        self.subscriber = RedisSubscriber(
            nodes: sentinels, channels: ["+switch-master", "+promoted-slave"], group: group, logger: logger)
    }

    /// Starts listening; `onSwitch` gets each new primary.
    func start(_ onSwitch: @escaping OnSwitch) {
        let masterName = self.masterName
        subscriber.start { event in
            guard case .message(let channel, let payload) = event,
                  let primary = Self.primary(channel: channel, payload: payload, masterName: masterName)
            else { return }
            onSwitch(primary)
        }
    }

    /// Stops listening for good.
    func stop() {
        subscriber.stop()
    }

    /// The new primary a message names:
    /// `+switch-master` `"<name> <old ip> <old port> <new ip> <new port>"`, or
    /// `+promoted-slave` `"slave <id> <ip> <port> @ <name> <old ip> <old port>"`.
    static func primary(channel: [UInt8], payload: [UInt8], masterName: String) -> RedisSlotMap.Node? {
        let words = String(decoding: payload, as: UTF8.self).split(separator: " ")
        if channel == Array("+switch-master".utf8) {
            guard words.count == 5, words[0] == masterName, let port = Int(words[4]), (1...65535).contains(port) else { return nil }
            return RedisSlotMap.Node(host: String(words[3]), port: port)
        }
        guard words.count == 8, words[4] == "@", words[5] == masterName, let port = Int(words[3]),
              (1...65535).contains(port) else { return nil }
        return RedisSlotMap.Node(host: String(words[2]), port: port)
    }
}
