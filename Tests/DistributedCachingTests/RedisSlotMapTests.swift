import NIOCore
import RedisCaching
import Testing

/// CRC16 slots, hash tags, and the parsing of `CLUSTER SLOTS` and
/// `CLUSTER SHARDS` replies (Redis Cluster specification test vectors).
@Suite("Redis Cluster slots and slot maps")
struct RedisSlotMapTests {
    @Test("CRC16 (XMODEM) of the specification's vector")
    func crc16() {
        #expect(RedisClusterSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RedisClusterSlot.crc16([]) == 0)
    }

    @Test("slots of known keys")
    func slots() {
        #expect(RedisClusterSlot.of("foo") == 12182)
        #expect(RedisClusterSlot.of("bar") == 5061)
        #expect(RedisClusterSlot.of("") == 0)
    }

    @Test("hash tags: the text in the first {…} when not empty")
    func hashTags() {
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("{user1000}.followers"))
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("user1000"))
        // An empty tag hashes the whole key.
        #expect(RedisClusterSlot.of("foo{}{bar}") == Int(RedisClusterSlot.crc16(Array("foo{}{bar}".utf8)) & 0x3FFF))
        // Only the first {…} counts.
        #expect(RedisClusterSlot.of("foo{{bar}}zap") == RedisClusterSlot.of("{bar"))
        #expect(RedisClusterSlot.of("foo{bar}{zap}") == RedisClusterSlot.of("bar"))
        // No closing brace: the whole key.
        #expect(RedisClusterSlot.of("foo{bar") == Int(RedisClusterSlot.crc16(Array("foo{bar".utf8)) & 0x3FFF))
    }

    static let seed = RedisSlotMap.Node(host: "10.0.0.9", port: 7000)

    static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    @Test("CLUSTER SLOTS: ranges, primaries, replicas, an empty host meaning the node asked")
    func parseSlots() throws {
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), .array([Self.bulk("127.0.0.1"), .integer(7000), Self.bulk("id0")]),
                    .array([Self.bulk("127.0.0.1"), .integer(7004), Self.bulk("id4")])]),
            .array([.integer(5461), .integer(10922), .array([Self.bulk(""), .integer(7001), Self.bulk("id1")])]),
            .array([.integer(10923), .integer(16383), .array([Self.bulk("127.0.0.1"), .integer(7002), Self.bulk("id2")])]),
        ])
        let map = try RedisSlotMap.parse(slots: reply, from: Self.seed)
        #expect(map.shards.count == 3)
        #expect(map.shard(for: 0)?.primary == RedisSlotMap.Node(host: "127.0.0.1", port: 7000))
        #expect(map.shard(for: 5460)?.replicas == [RedisSlotMap.Node(host: "127.0.0.1", port: 7004)])
        #expect(map.shard(for: 5461)?.primary == RedisSlotMap.Node(host: "10.0.0.9", port: 7001))
        #expect(map.shard(for: 16383)?.primary.port == 7002)
        #expect(map.uncoveredSlots.isEmpty)
    }

    @Test("CLUSTER SLOTS with holes: the uncovered slots have no owner")
    func holes() throws {
        let reply = RESPValue.array([
            .array([.integer(0), .integer(99), .array([Self.bulk("127.0.0.1"), .integer(7000)])]),
            .array([.integer(200), .integer(16383), .array([Self.bulk("127.0.0.1"), .integer(7001)])]),
        ])
        let map = try RedisSlotMap.parse(slots: reply, from: Self.seed)
        #expect(map.shard(for: 150) == nil)
        #expect(map.shard(for: 99)?.primary.port == 7000)
        #expect(map.uncoveredSlots == [100...199])
    }

    @Test("CLUSTER SHARDS: flat maps, failed nodes left out, several ranges per shard")
    func parseShards() throws {
        func node(_ port: Int, _ role: String, _ health: String = "online") -> RESPValue {
            .array([Self.bulk("id"), Self.bulk("x\(port)"), Self.bulk("port"), .integer(port), Self.bulk("ip"), Self.bulk("127.0.0.1"),
                    Self.bulk("endpoint"), Self.bulk("127.0.0.1"), Self.bulk("role"), Self.bulk(role),
                    Self.bulk("replication-offset"), .integer(1), Self.bulk("health"), Self.bulk(health)])
        }
        let reply = RESPValue.array([
            .array([Self.bulk("slots"), .array([.integer(0), .integer(10), .integer(20), .integer(30)]),
                    Self.bulk("nodes"), .array([node(7000, "master"), node(7003, "replica")])]),
            .array([Self.bulk("slots"), .array([.integer(31), .integer(16383)]),
                    Self.bulk("nodes"), .array([node(7001, "master", "fail"), node(7004, "replica")])]),
        ])
        let map = try RedisSlotMap.parse(shards: reply, from: Self.seed)
        #expect(map.shard(for: 5)?.primary.port == 7000)
        #expect(map.shard(for: 25)?.replicas.map(\.port) == [7003])
        #expect(map.shard(for: 15) == nil)
        // The failed primary's shard serves nothing until a replica is promoted.
        #expect(map.shard(for: 100) == nil)
    }

    @Test("garbage replies are protocol errors naming the node")
    func garbage() {
        for reply in [RESPValue.simpleString("OK"), .array([.integer(1)]), .array([.array([.integer(0), .integer(99999), .array([])])])] {
            #expect {
                _ = try RedisSlotMap.parse(slots: reply, from: Self.seed)
            } throws: { error in
                guard case .protocolError(let message) = error as? RedisError else { return false }
                return message.contains("10.0.0.9:7000")
            }
        }
        #expect(throws: RedisError.self) { _ = try RedisSlotMap.parse(shards: .array([.integer(3)]), from: Self.seed) }
    }

    @Test("node addresses from MOVED replies and settings")
    func nodes() {
        #expect(RedisSlotMap.Node(parsing: "127.0.0.1:7002") == RedisSlotMap.Node(host: "127.0.0.1", port: 7002))
        #expect(RedisSlotMap.Node(parsing: "[::1]:7002") == RedisSlotMap.Node(host: "::1", port: 7002))
        #expect(RedisSlotMap.Node(parsing: "127.0.0.1") == nil)
        #expect(RedisSlotMap.Node(parsing: ":7000") == nil)
        #expect(RedisSlotMap.Node(parsing: "host:70000") == nil)
    }
}
