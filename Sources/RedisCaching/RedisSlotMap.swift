/// Which node of a Redis Cluster serves each of the 16,384 hash slots, from a
/// `CLUSTER SHARDS` (Redis 7) or `CLUSTER SLOTS` reply.
///
/// A slot that no shard covers (a cluster running with
/// `cluster-require-full-coverage no` while a shard is down) has no owner:
/// calls for its keys fail with ``RedisError/slotNotServed(slot:message:)``
/// rather than go to a node that would only redirect them.
public struct RedisSlotMap: Sendable, Equatable {
    /// A node's address, `host:port`.
    public struct Node: Sendable, Hashable, CustomStringConvertible {
        /// The host name or address the cluster announces.
        public var host: String
        /// The TCP port.
        public var port: Int

        /// A node at `host:port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port` (IPv6 hosts in brackets).
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Parses `host:port` (or `[v6]:port`), as in a `MOVED` reply or a seed list.
        public init?(parsing text: some StringProtocol) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                  (1...65535).contains(port) else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }
    }

    /// A primary and the replicas that copy it.
    public struct Shard: Sendable, Equatable {
        /// The node that takes writes for the shard's slots.
        public var primary: Node
        /// Its replicas (reads may go there when replica reads are on).
        public var replicas: [Node]
    }

    /// The shards, in reply order.
    public private(set) var shards: [Shard]
    /// For each slot, the index of its shard in ``shards``, or -1.
    private var owners: [Int32]

    /// A map of `shards`, each serving its ranges of slots.
    init(ranges: [(ClosedRange<Int>, Shard)]) {
        shards = []
        owners = Array(repeating: -1, count: RedisClusterSlot.count)
        for (range, shard) in ranges {
            let index: Int
            if let found = shards.firstIndex(where: { $0.primary == shard.primary }) {
                index = found
            } else {
                index = shards.count
                shards.append(shard)
            }
            for slot in range where slot >= 0 && slot < RedisClusterSlot.count { owners[slot] = Int32(index) }
        }
    }

    /// The shard serving `slot`, or `nil` when no node covers it.
    public func shard(for slot: Int) -> Shard? {
        guard slot >= 0 && slot < owners.count else { return nil }
        let index = Int(owners[slot])
        return index >= 0 ? shards[index] : nil
    }

    /// The slots no node covers, as ranges (empty for a healthy cluster).
    public var uncoveredSlots: [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        var start: Int?
        for slot in 0...owners.count where slot == owners.count || owners[slot] >= 0 {
            if let first = start, first < slot { ranges.append(first...(slot - 1)) }
            start = slot + 1
        }
        return ranges
    }

    /// The map from a `CLUSTER SLOTS` reply sent by `node`:
    /// `[[start, end, [host, port, id, …], [replica host, port, id, …], …], …]`.
    /// An empty host means `node`'s own host, as Redis documents.
    public static func parse(slots reply: RESPValue, from node: Node) throws(RedisError) -> RedisSlotMap {
        guard case .array(let entries) = reply else {
            throw .protocolError("\(node) answered CLUSTER SLOTS with \(reply), not an array")
        }
        guard entries.count <= RedisClusterSlot.count else {
            throw .protocolError("\(node) answered CLUSTER SLOTS with \(entries.count) ranges, more than there are slots")
        }
        var ranges: [(ClosedRange<Int>, Shard)] = []
        for entry in entries {
            guard case .array(let parts) = entry, parts.count >= 3,
                  let start = parts[0].integer, let end = parts[1].integer, start <= end, start >= 0,
                  end < RedisClusterSlot.count else {
                throw .protocolError("\(node) answered CLUSTER SLOTS with a malformed range: \(entry)")
            }
            var members: [Node] = []
            for member in parts[2...] {
                guard case .array(let fields) = member, fields.count >= 2, let hostBytes = fields[0].bytes,
                      let port = fields[1].integer, (1...65535).contains(port) else {
                    throw .protocolError("\(node) answered CLUSTER SLOTS with a malformed node for slots \(start)-\(end): \(member)")
                }
                let host = String(decoding: hostBytes, as: UTF8.self)
                if host == "?" { continue }
                members.append(Node(host: host.isEmpty ? node.host : host, port: port))
            }
            guard let primary = members.first else { continue }
            ranges.append((start...end, Shard(primary: primary, replicas: Array(members.dropFirst()))))
        }
        return RedisSlotMap(ranges: ranges)
    }

    /// The map from a `CLUSTER SHARDS` reply sent by `node` (Redis 7): each
    /// shard a flat map with `slots` (pairs of bounds) and `nodes` (flat maps
    /// with `ip`, `endpoint`, `port`, `role`, `health`). Nodes whose health is
    /// not `online` are left out; a shard with no online primary serves nothing.
    public static func parse(shards reply: RESPValue, from node: Node) throws(RedisError) -> RedisSlotMap {
        guard case .array(let entries) = reply else {
            throw .protocolError("\(node) answered CLUSTER SHARDS with \(reply), not an array")
        }
        guard entries.count <= RedisClusterSlot.count else {
            throw .protocolError("\(node) answered CLUSTER SHARDS with \(entries.count) shards, more than there are slots")
        }
        var ranges: [(ClosedRange<Int>, Shard)] = []
        for entry in entries {
            let fields = try flatMap(entry, node)
            guard case .array(let bounds)? = fields["slots"], bounds.count % 2 == 0, bounds.count <= 2 * RedisClusterSlot.count,
                  case .array(let nodes)? = fields["nodes"] else {
                throw .protocolError("\(node) answered CLUSTER SHARDS with a shard lacking slots or nodes: \(entry)")
            }
            var primary: Node?
            var replicas: [Node] = []
            for member in nodes {
                let info = try flatMap(member, node)
                guard let port = info["port"]?.integer ?? info["tls-port"]?.integer, (1...65535).contains(port) else {
                    throw .protocolError("\(node) answered CLUSTER SHARDS with a node without a port: \(member)")
                }
                let endpoint = info["endpoint"]?.bytes.map { String(decoding: $0, as: UTF8.self) }
                let ip = info["ip"]?.bytes.map { String(decoding: $0, as: UTF8.self) }
                var host = endpoint ?? ip ?? ""
                if host == "?" || host.isEmpty { host = ip ?? "" }
                if host.isEmpty || host == "?" { host = node.host }
                let health = info["health"]?.bytes.map { String(decoding: $0, as: UTF8.self) } ?? "online"
                guard health == "online" else { continue }
                let address = Node(host: host, port: port)
                if info["role"]?.bytes.map({ String(decoding: $0, as: UTF8.self) }) == "master" {
                    primary = address
                } else {
                    replicas.append(address)
                }
            }
            guard let primary else { continue }
            var index = 0
            while index < bounds.count {
                guard let start = bounds[index].integer, let end = bounds[index + 1].integer, start <= end, start >= 0,
                      end < RedisClusterSlot.count else {
                    throw .protocolError("\(node) answered CLUSTER SHARDS with malformed slot bounds: \(entry)")
                }
                ranges.append((start...end, Shard(primary: primary, replicas: replicas)))
                guard ranges.count <= RedisClusterSlot.count else {
                    throw .protocolError("\(node) answered CLUSTER SHARDS with more slot ranges than there are slots")
                }
                index += 2
            }
        }
        return RedisSlotMap(ranges: ranges)
    }

    private static func flatMap(_ value: RESPValue, _ node: Node) throws(RedisError) -> [String: RESPValue] {
        guard case .array(let items) = value, items.count % 2 == 0 else {
            throw .protocolError("\(node) answered CLUSTER SHARDS with \(value) where a field list was expected")
        }
        var fields: [String: RESPValue] = [:]
        var index = 0
        while index < items.count {
            guard let name = items[index].bytes else {
                throw .protocolError("\(node) answered CLUSTER SHARDS with a field name that is not text: \(items[index])")
            }
            fields[String(decoding: name, as: UTF8.self)] = items[index + 1]
            index += 2
        }
        return fields
    }
}
