import Caching
import CachingTestSupport
import Foundation
import NIOCore
import RedisCaching
import Testing

/// The shared test server (started by scripts/services.sh).
let sharedRedisURL = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"

@Suite("Redis client")
struct RedisClientTests {
    @Test("redis:// URLs: host, port, credentials and database; unusable URLs say what to change")
    func urls() throws {
        let full = try RedisEndpoint(url: "redis://app:s%40cret@cache.internal:6380/3")
        #expect(full == RedisEndpoint(host: "cache.internal", port: 6380, user: "app", password: "s@cret", database: 3))
        #expect(full.description == "redis://app:***@cache.internal:6380/3")
        let passwordOnly = try RedisEndpoint(url: "redis://:secret@127.0.0.1")
        #expect(passwordOnly.user == nil && passwordOnly.password == "secret" && passwordOnly.port == 6379)
        #expect(try RedisEndpoint(url: "redis://[::1]:7000?db=2") == RedisEndpoint(host: "::1", port: 7000, database: 2))
        for (url, fragment) in [
            ("rediss://127.0.0.1", "TLS"), ("unix:///tmp/redis.sock", "Unix sockets"), ("http://x", "scheme"),
            ("redis://", "no host"), ("redis://h/x", "database number"), ("redis://h?db=-1", "database number"),
            ("redis://user@h", "no password"), ("not a url", "not a URL"),
        ] {
            #expect(throws: RedisError.self, "\(url)") { try RedisEndpoint(url: url) }
            do {
                _ = try RedisEndpoint(url: url)
            } catch {
                #expect(error.description.contains(fragment), "\(url): \(error)")
            }
        }
    }

    @Test("replies split across reads, nulls, nested arrays; bytes that are not RESP are a protocol error")
    func parser() async throws {
        let server = try await FakeRedisServer.start { _, received in
            let text = String(buffer: received)
            if text.contains("NESTED") { return "*3\r\n:1|\r\n*2\r\n$3\r\na|bc\r\n$-1\r|\n+OK\r\n" }
            if text.contains("NULLARRAY") { return "*-1\r\n" }
            if text.contains("GARBAGE") { return "?what\r\n" }
            if text.contains("HUGE") { return "$999999999999\r\n" }
            return "-ERR unknown\r\n"
        }
        defer { Task { await server.stop() } }
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port))
        defer { client.close() }
        let nested = try await client.send("NESTED")
        #expect(nested == .array([.integer(1), .array([.bulkString(ByteBuffer(string: "abc")), .null]), .simpleString("OK")]))
        #expect(try await client.send("NULLARRAY") == .null)
        #expect(try await client.send("OTHER") == .error("ERR unknown"))
        await #expect(throws: RedisError.protocolError("a reply starting with byte 63, which is not RESP2")) {
            try await client.send("GARBAGE")
        }
        await #expect(throws: RedisError.protocolError("a bulk string of 999999999999 bytes")) {
            try await client.send("HUGE")
        }
        // The broken connections were replaced: the client still works.
        #expect(try await client.send("NULLARRAY") == .null)
    }

    @Test("a reply nobody asked for closes the connection; the next command gets a new one")
    func unexpectedReply() async throws {
        let server = try await FakeRedisServer.start { connection, _ in
            connection == 0 ? "+OK\r\n+EXTRA\r\n" : "+PONG\r\n"
        }
        defer { Task { await server.stop() } }
        let client = RedisClient(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port),
            configuration: .init(connectionsPerServer: 1))
        defer { client.close() }
        // The first command may see its reply, then the extra one breaks the connection.
        _ = try? await client.send("PING")
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await client.send("PING") == .simpleString("PONG"))
    }

    @Test("a connection closed before the reply: an idempotent command is sent once more on a new one; others fail and are not resent")
    func lostConnectionRetry() async throws {
        // When `drop` is set, the next connection to get a command closes without a reply.
        let drop = CacheLock(false)
        let received = CacheLock<[String]>([])
        let server = try await FakeRedisServer.start { _, bytes in
            // The names of the commands in this read (each command is `*N`, `$len`, name, …).
            let lines = String(buffer: bytes).split(separator: "\r\n", omittingEmptySubsequences: false)
            let names = lines.indices.filter { lines[$0].hasPrefix("*") && $0 + 2 < lines.count }.map { String(lines[$0 + 2]) }
            received.withLock { $0.append(names.joined(separator: "+")) }
            if drop.withLock({ dropping in defer { dropping = false }; return dropping }) { return FakeRedisServer.closeConnection }
            return names.map { name in name == "INCRBY" ? ":1\r\n" : name == "GET" ? "$-1\r\n" : "+OK\r\n" }.joined()
        }
        defer { Task { await server.stop() } }
        let client = RedisClient(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port),
            configuration: .init(connectionsPerServer: 1))
        defer { client.close() }
        #expect(try await client.send("PING") == .simpleString("OK"))
        // Idempotent: lost once, answered on a new connection.
        for command in [RESPCommand("GET", ["k"]), RESPCommand("SET", ["k", "v", "PX", 1000])] {
            received.withLock { $0.removeAll() }
            drop.withLock { $0 = true }
            #expect(try await client.send(command) != .error(""))
            #expect(received.withLock { $0.count } == 2)
        }
        received.withLock { $0.removeAll() }
        drop.withLock { $0 = true }
        #expect(try await client.pipeline([RESPCommand("GET", ["a"]), RESPCommand("GET", ["b"])]) == [.null, .null])
        // INCRBY, SET NX and a pipeline holding DEL may have run: one send, and the caller hears the connection was lost.
        for commands in [[RESPCommand("INCRBY", ["k", 1])], [RESPCommand("SET", ["k", "v", "NX"])],
                         [RESPCommand("GET", ["k"]), RESPCommand("DEL", ["k"])]] {
            received.withLock { $0.removeAll() }
            drop.withLock { $0 = true }
            do {
                _ = try await client.pipeline(commands)
                Issue.record("\(received.withLock { $0 }) on a closing connection succeeded")
            } catch {
                guard case .connectionClosed = error else { Issue.record("expected connectionClosed, got \(error)"); continue }
            }
            #expect(received.withLock { $0.count } == 1, "resent: \(received.withLock { $0 })")
        }
        #expect(RESPCommand("get", ["k"]).isIdempotent)
        #expect(!RESPCommand("DEL", ["k"]).isIdempotent)
        #expect(!RESPCommand("SET", ["k", "v", "get"]).isIdempotent)
    }

    @Test("a server that never answers: a timeout error, not a hang")
    func commandTimeout() async throws {
        let server = try await FakeRedisServer.start { _, _ in nil }
        defer { Task { await server.stop() } }
        let client = RedisClient(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: server.port),
            configuration: .init(commandTimeout: .milliseconds(300)))
        defer { client.close() }
        do {
            _ = try await client.send("GET", ["k"])
            Issue.record("a silent server answered")
        } catch {
            guard case .timeout = error else { Issue.record("expected a timeout, got \(error)"); return }
        }
    }

    @Test("nothing listening: connection refused, naming the address")
    func unreachable() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let client = RedisClient(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: port),
            configuration: .init(connectTimeout: .milliseconds(500)))
        defer { client.close() }
        do {
            _ = try await client.send("PING")
            Issue.record("PING succeeded with nothing listening")
        } catch {
            guard case .connectionRefused(let host, let failedPort) = error else { Issue.record("got \(error)"); return }
            #expect(host == "127.0.0.1" && failedPort == port)
            #expect(error.description.contains("127.0.0.1:\(port)"))
        }
    }

    @Test("an unroutable address: the connect timeout ends the wait")
    func connectTimeout() async throws {
        let client = RedisClient(
            endpoint: RedisEndpoint(host: "10.255.255.1", port: 6379),
            configuration: .init(connectTimeout: .milliseconds(300)))
        defer { client.close() }
        await #expect(throws: RedisError.self) { try await client.send("PING") }
    }

    @Test("1,000 concurrent commands on one connection each get their own reply")
    func pipelining() async throws {
        let client = try RedisClient(url: sharedRedisURL, configuration: .init(connectionsPerServer: 1))
        defer { client.close() }
        let prefix = "pipelining:\(UUID().uuidString):"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<1000 {
                group.addTask {
                    _ = try await client.send("SET", [.string(prefix + "\(index)"), .integer(index)])
                    let reply = try await client.send("GET", [.string(prefix + "\(index)")])
                    #expect(reply.integer == index)
                }
            }
            try await group.waitForAll()
        }
        let replies = try await client.pipeline((0..<16).map { RESPCommand("GET", [.string(prefix + "\($0)")]) })
        #expect(replies.map(\.integer) == (0..<16).map { $0 })
        _ = try await client.send("DEL", (0..<1000).map { .string(prefix + "\($0)") })
    }

    @Test("AUTH and SELECT from the URL; a wrong password is an authentication error")
    func authentication() async throws {
        try await TestRedisServer.with(["--requirepass", "s3cret"]) { server in
            let wrong = try RedisClient(url: "redis://:nope@127.0.0.1:\(server.port)/0")
            defer { wrong.close() }
            do {
                _ = try await wrong.send("PING")
                Issue.record("a wrong password was accepted")
            } catch RedisError.authenticationFailed {
            } catch {
                Issue.record("expected authenticationFailed, got \(error)")
            }
            let none = try RedisClient(url: "redis://127.0.0.1:\(server.port)/0")
            defer { none.close() }
            if case .error(let message) = try await none.send("GET", ["k"]) {
                #expect(message.hasPrefix("NOAUTH"))
            } else {
                Issue.record("a command without AUTH was accepted")
            }
            let three = try RedisClient(url: "redis://:s3cret@127.0.0.1:\(server.port)/3")
            let four = try RedisClient(url: "redis://:s3cret@127.0.0.1:\(server.port)/4")
            defer { three.close(); four.close() }
            _ = try await three.send("SET", ["where", "three"])
            #expect(try await three.send("GET", ["where"]).bytes == Array("three".utf8))
            #expect(try await four.send("GET", ["where"]) == .null)
        }
    }

    @Test("the server killed mid-run: errors, then recovery by itself once it is back")
    func restart() async throws {
        try await TestRedisServer.with { server in
            // The timeout bounds the whole call, reconnect included: generous, for a loaded machine.
            let client = try RedisClient(url: server.url, configuration: .init(connectTimeout: .seconds(1), commandTimeout: .seconds(5)))
            defer { client.close() }
            _ = try await client.send("SET", ["k", "before"])
            await server.kill()
            await #expect(throws: RedisError.self) { try await client.send("GET", ["k"]) }
            await #expect(throws: RedisError.self) { try await client.send("GET", ["k"]) }
            try await server.start()
            // No persistence: the value is gone, but the client works again.
            #expect(try await client.send("GET", ["k"]) == .null)
            _ = try await client.send("SET", ["k", "after"])
            #expect(try await client.send("GET", ["k"]).bytes == Array("after".utf8))
        }
    }
}
