// libFuzzer target for what a Redis server sends: RESP2 replies ('0'), the
// redis:// URLs of settings ('1'), and Redis Cluster slot maps and redirections
// ('2': a CLUSTER SLOTS or CLUSTER SHARDS reply, a MOVED address, a key's slot).
import FuzzSupport
import NIOCore
@testable import RedisCaching

/// The process entry point: SwiftPM links `main` to this; it runs libFuzzer.
@_cdecl("fuzz_resp_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTestOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    switch input.selector(3) {
    case 0?: fuzzReplies(Array(input.payload))
    case 1?: fuzzEndpoint(input.text)
    case 2?: fuzzSlotMap(Array(input.payload))
    default: break
    }
    return 0
}

/// Replies: the stream invariants (`checkReplyStream`), and a reply written
/// back parses to itself.
func fuzzReplies(_ bytes: [UInt8]) {
    ParserRuns.count("resp")
    checkReplyStream(bytes, next: { try RESPParser.next(from: &$0) }, first: { try RESPParser.next(from: &$0) }) { value, _ in
        var written = ByteBuffer()
        write(value, to: &written)
        let reread = Result { () throws(RedisError) -> RESPValue? in try RESPParser.next(from: &written) }
        guard case .success(let again?) = reread, again == value, written.readableBytes == 0 else {
            require(false, "reply \(value) written back reads as \(reread)")
            return
        }
        _ = value.bytes
        _ = value.integer
        _ = Result { () throws(RedisError) -> RESPValue in try value.throwingServerError() }
    }
}

/// RESP2 encoding of a reply, as a server writes it.
func write(_ value: RESPValue, to buffer: inout ByteBuffer) {
    switch value {
    case .simpleString(let text): buffer.writeString("+\(text)\r\n")
    case .error(let text): buffer.writeString("-\(text)\r\n")
    case .integer(let number): buffer.writeString(":\(number)\r\n")
    case .bulkString(var bytes):
        buffer.writeString("$\(bytes.readableBytes)\r\n")
        buffer.writeBuffer(&bytes)
        buffer.writeString("\r\n")
    case .array(let elements):
        buffer.writeString("*\(elements.count)\r\n")
        for element in elements { write(element, to: &buffer) }
    case .null: buffer.writeString("$-1\r\n")
    }
}

/// redis:// URLs: an error or an endpoint, never a crash.
func fuzzEndpoint(_ text: String) {
    ParserRuns.count("redis-url")
    _ = try? RedisEndpoint(url: text)
}

/// Cluster topology from a node: a slot map or an error, never a crash; every
/// slot of a map has at most one shard, listed among the map's shards; the
/// uncovered ranges lie within the slots and do not overlap.
func fuzzSlotMap(_ bytes: [UInt8]) {
    ParserRuns.count("cluster-slots")
    let node = RedisSlotMap.Node(host: "10.0.0.1", port: 7000)
    var buffer = ByteBuffer(bytes: bytes)
    if let reply = try? RESPParser.next(from: &buffer) {
        let maps = [try? RedisSlotMap.parse(slots: reply, from: node), try? RedisSlotMap.parse(shards: reply, from: node)]
        for case let map? in maps {
            for slot in stride(from: 0, to: RedisClusterSlot.count, by: 97) {
                if let shard = map.shard(for: slot) {
                    require(map.shards.contains(shard), "slot \(slot) has a shard the map does not list")
                }
            }
            var last = -1
            for range in map.uncoveredSlots {
                require(range.lowerBound > last && range.upperBound < RedisClusterSlot.count, "uncovered ranges overlap or overflow")
                last = range.upperBound
            }
        }
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if let address = RedisSlotMap.Node(parsing: text) {
        require((1...65535).contains(address.port) && !address.host.isEmpty, "MOVED address \(address) out of range")
    }
    let slot = RedisClusterSlot.of(bytes)
    require((0..<RedisClusterSlot.count).contains(slot), "slot \(slot) out of range")
}
