// libFuzzer target for what memcached sends: meta-protocol replies ('0'), and
// the server locations of settings ('1').
import FuzzSupport
import NIOCore
@testable import MemcachedCaching

/// The process entry point: SwiftPM links `main` to this; it runs libFuzzer.
@_cdecl("fuzz_memcached_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTestOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    switch input.selector(2) {
    case 0?: fuzzReplies(Array(input.payload))
    case 1?: fuzzServer(input.text)
    default: break
    }
    return 0
}

/// Replies: the stream invariants (`checkReplyStream`), and an ASCII reply
/// written back decodes to itself.
func fuzzReplies(_ bytes: [UInt8]) {
    ParserRuns.count("memcached-reply")
    var decoder = MemcachedReplyDecoder()
    checkReplyStream(bytes, next: { try decoder.decode(buffer: &$0) }, first: { buffer in
        var fresh = MemcachedReplyDecoder()
        return try fresh.decode(buffer: &buffer)
    }, whole: { reply, line in
        if line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x0D || $0 == 0x0A }) {
            checkRoundTrip(reply)
        }
        if case .value(let flags, _) = reply {
            _ = MemcachedExpiry.exptime(remaining: flags["t"], now: 1_700_000_000)
            _ = flags["c"].flatMap { UInt64($0) }
        }
        if case .header(let flags) = reply {
            _ = MemcachedExpiry.exptime(remaining: flags["t"], now: 1_700_000_000)
        }
    })
}

/// A reply's summary (plus its value) decodes to the same reply.
func checkRoundTrip(_ reply: MemcachedReply) {
    var written = ByteBuffer()
    written.writeString(reply.summary + "\r\n")
    if case .value(_, var data) = reply {
        written.writeBuffer(&data)
        written.writeString("\r\n")
    }
    var decoder = MemcachedReplyDecoder()
    let again = Result { try decoder.decode(buffer: &written) }
    guard case .success(let decoded?) = again, decoded == reply, written.readableBytes == 0 else {
        require(false, "reply \(reply.summary) written back decodes as \(again)")
        return
    }
}

/// Server locations: an error or a server whose port is valid.
func fuzzServer(_ text: String) {
    ParserRuns.count("memcached-location")
    guard let server = try? MemcachedServer(parsing: text) else { return }
    if case .tcp(let host, let port) = server.address {
        require(!host.isEmpty && (1...65535).contains(port), "'\(text)' gave \(host):\(port)")
    }
}
