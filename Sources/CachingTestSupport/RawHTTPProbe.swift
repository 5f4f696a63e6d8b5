import Foundation

/// Hostile request heads for a live server, sent as raw bytes (python3's
/// socket module, in a child process, so no thread of the test's concurrency
/// pool blocks): what the framework's HTTP parser must reject or answer
/// without crashing, before any caching code sees them.
public enum RawHTTPProbe {
    /// A name and the bytes of one request.
    public static let badHeads: [(name: String, bytes: String)] = [
        ("a header line without a colon", "GET /site HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n"),
        ("a space before the colon", "GET /site HTTP/1.1\r\nHost: a\r\nX-Bad : 1\r\n\r\n"),
        ("a 10 KB URL", "GET /site?" + String(repeating: "a", count: 10_240) + " HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("1,000 header fields", "GET /site HTTP/1.1\r\nHost: a\r\n" + (0..<1000).map { "X-H\($0): v\r\n" }.joined() + "\r\n"),
        ("a bare LF and garbage", "GET /site HTTP/1.1\nHost: a\n\u{1}\u{2}\r\n\r\n"),
        ("an unknown HTTP version", "GET /site HTTP/9.9\r\nHost: a\r\n\r\n"),
    ]

    /// The names of the heads that are not valid HTTP/1.1.
    public static let malformed = [
        "a header line without a colon", "a space before the colon", "a bare LF and garbage", "an unknown HTTP version",
    ]

    /// Sends `bytes` to 127.0.0.1:`port` and returns the first line the server
    /// answered with ("" when it closed without answering, or said nothing in 5 s).
    public static func firstLine(port: Int, bytes: String) async throws -> String {
        let script = """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
            s.sendall(sys.stdin.buffer.read())
            data = b""
            try:
                while b"\\r\\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk: break
                    data += chunk
            except OSError:
                pass
            sys.stdout.write(data.split(b"\\r\\n")[0].decode("latin-1"))
            """
        let input = FileManager.default.temporaryDirectory.path + "/swift-caching-raw-" + UUID().uuidString
        try Data(bytes.utf8).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }
        let result = try await ChildProcess.run("/bin/sh", ["-c", "exec python3 -c \"$0\" \"$1\" < \"$2\"", script, String(port), input])
        return result.output
    }
}
