import Foundation
import NIOCore
import NIOPosix

/// One HTTP/1.1 response as read off a raw socket.
struct RawResponse: Sendable, Equatable {
    var status: Int
    /// Header fields in wire order, names lower-cased.
    var fields: [(name: String, value: String)]
    var body: [UInt8]

    static func == (a: RawResponse, b: RawResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.fields.map { "\($0.name): \($0.value)" } == b.fields.map { "\($0.name): \($0.value)" }
    }

    func field(_ name: String) -> String? { fields.first { $0.name == name.lowercased() }?.value }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// What a raw exchange read: the responses, and whether the server closed
/// the connection.
struct RawExchange: Sendable {
    var responses: [RawResponse]
    var closed: Bool
}

/// A plain TCP client for the hot-path tests: writes exactly the bytes given
/// (pipelined requests, split heads, malformed input) and parses responses by
/// hand, on NIO's async channel (never blocking a concurrency thread).
enum RawHTTPConnection {
    /// Connects to `port`, writes each chunk (flushed separately), and reads
    /// until one response per entry of `methods` (the request methods, which
    /// say whether a body follows) has been parsed — and, with `untilClose`,
    /// until the server closes the connection; or until it closes.
    static func exchange(port: Int, chunks: [[UInt8]], methods: [String], untilClose: Bool = false) async throws -> RawExchange {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            for chunk in chunks { try await outbound.write(ByteBuffer(bytes: chunk)) }
            var received: [UInt8] = []
            var parsed: [RawResponse] = []
            for try await buffer in inbound {
                received += buffer.readableBytesView
                parsed = parse(received, methods: methods)
                if parsed.count >= methods.count, !untilClose { return RawExchange(responses: parsed, closed: false) }
            }
            return RawExchange(responses: parse(received, methods: methods), closed: true)
        }
    }

    /// One connection, several turns: each request is sent after the answer
    /// to the previous one has been read, with `pause` in between. Returns
    /// the answers read before the server closed the connection, if it did.
    static func turns(port: Int, _ requests: [String], pause: Duration) async throws -> RawExchange {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            var received: [UInt8] = []
            var methods: [String] = []
            for (index, request) in requests.enumerated() {
                if index > 0 { try await Task.sleep(for: pause) }
                methods.append(String(request.prefix { $0 != " " }))
                do {
                    try await outbound.write(ByteBuffer(string: request))
                } catch {
                    return RawExchange(responses: parse(received, methods: methods), closed: true)
                }
                while parse(received, methods: methods).count < methods.count {
                    guard let buffer = try await iterator.next() else {
                        return RawExchange(responses: parse(received, methods: methods), closed: true)
                    }
                    received += buffer.readableBytesView
                }
            }
            return RawExchange(responses: parse(received, methods: methods), closed: false)
        }
    }

    /// Sends requests given as text (lines joined with CRLF by the caller).
    static func exchange(port: Int, _ text: String, methods: [String], untilClose: Bool = false) async throws -> RawExchange {
        try await exchange(port: port, chunks: [Array(text.utf8)], methods: methods, untilClose: untilClose)
    }

    /// The complete responses at the start of `bytes`.
    static func parse(_ bytes: [UInt8], methods: [String]) -> [RawResponse] {
        var responses: [RawResponse] = []
        var index = 0
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while responses.count < methods.count {
            guard let headEnd = find(separator, in: bytes, from: index) else { break }
            let headText = String(decoding: bytes[index..<headEnd], as: UTF8.self)
            var lines = headText.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst().split(separator: " ")
            let status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
            let fields = lines.compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            var bodyStart = headEnd + separator.count
            let method = methods[responses.count]
            var length = 0
            if method != "HEAD", status != 304, status != 204, status >= 200 {
                if let value = fields.first(where: { $0.name == "content-length" })?.value, let number = Int(value) {
                    length = number
                } else if fields.contains(where: { $0.name == "transfer-encoding" }) {
                    guard let (body, end) = dechunk(bytes, from: bodyStart) else { break }
                    responses.append(RawResponse(status: status, fields: fields, body: body))
                    index = end
                    continue
                }
            }
            guard bytes.count >= bodyStart + length else { break }
            responses.append(RawResponse(status: status, fields: fields, body: Array(bytes[bodyStart..<bodyStart + length])))
            bodyStart += length
            index = bodyStart
        }
        return responses
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        for i in start...(bytes.count - needle.count) where bytes[i..<i + needle.count].elementsEqual(needle) { return i }
        return nil
    }

    private static func dechunk(_ bytes: [UInt8], from start: Int) -> (body: [UInt8], end: Int)? {
        var body: [UInt8] = []
        var index = start
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = find(crlf, in: bytes, from: index),
                  let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self), radix: 16) else { return nil }
            index = lineEnd + 2
            guard bytes.count >= index + size + 2 else { return nil }
            body += bytes[index..<index + size]
            index += size + 2
            if size == 0 { return (body, index) }
        }
    }
}

extension String {
    /// An HTTP/1.1 request: request line and fields, CRLF-terminated.
    static func request(_ method: String = "GET", _ target: String, _ fields: [String] = []) -> String {
        ([method + " " + target + " HTTP/1.1", "Host: localhost"] + fields).joined(separator: "\r\n") + "\r\n\r\n"
    }
}
