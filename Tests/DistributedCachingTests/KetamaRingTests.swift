import MemcachedCaching
import Testing

/// Ketama consistent hashing: what adding a server moves, and how evenly keys
/// spread. Pure computation, no server.
@Suite("Ketama ring")
struct KetamaRingTests {
    static let keys = (0..<10_000).map { ":1:user:\($0):profile" }
    static let names = (1...5).map { "10.0.0.\($0):11211" }

    @Test("adding a fifth server to four moves about a fifth of the keys, all to the new server")
    func addingAServer() {
        let four = KetamaRing(names: Array(Self.names.prefix(4)))
        let five = KetamaRing(names: Self.names)
        var moved = 0
        for key in Self.keys {
            let before = four.server(for: key)
            let after = five.server(for: key)
            guard before != after else { continue }
            moved += 1
            // Consistent hashing: a key only ever moves to the new server.
            #expect(after == 4, "\(key) moved from \(before) to \(after)")
        }
        let share = Double(moved) / Double(Self.keys.count)
        #expect(share > 0.12 && share < 0.30, "moved \(moved) of \(Self.keys.count)")
    }

    @Test("keys spread evenly over the servers")
    func spread() {
        let ring = KetamaRing(names: Array(Self.names.prefix(4)))
        var counts = [0, 0, 0, 0]
        for key in Self.keys { counts[ring.server(for: key)] += 1 }
        for count in counts {
            #expect(count > 1_500 && count < 3_500, "\(counts)")
        }
    }

    @Test("a key's server depends on the servers' names, not their order")
    func orderIndependent() {
        let forward = Array(Self.names.prefix(3))
        let backward = Array(forward.reversed())
        let first = KetamaRing(names: forward)
        let second = KetamaRing(names: backward)
        for key in Self.keys.prefix(2_000) {
            #expect(forward[first.server(for: key)] == backward[second.server(for: key)])
        }
    }

    @Test("one server takes every key, and points wrap around the circle")
    func edges() {
        let single = KetamaRing(names: ["127.0.0.1:11211"])
        #expect(Self.keys.prefix(100).allSatisfy { single.server(for: $0) == 0 })
        let ring = KetamaRing(names: Array(Self.names.prefix(2)))
        // Past the last point, the first point's server.
        #expect(ring.server(forHash: .max) == ring.server(forHash: 0))
        #expect(ring.serverCount == 2)
    }

    @Test("a server list reads as Django's LOCATION does")
    func serverLists() throws {
        let servers = try MemcachedServer.list(parsing: " a.example:11211;b.example , [::1]:11300,unix:/tmp/mc.sock; 10.0.0.9 ")
        #expect(servers.map(\.description) == [
            "a.example:11211", "b.example:11211", "[::1]:11300", "unix:/tmp/mc.sock", "10.0.0.9:11211",
        ])
        #expect(try MemcachedServer(parsing: "::1").description == "[::1]:11211")
        #expect(try MemcachedServer(parsing: "/var/run/memcached.sock").address == .unixSocket(path: "/var/run/memcached.sock"))
        for bad in ["", " ; ", "host:0", "host:65536", "host:port", "[::1", ":11211", "a:1;a:1"] {
            #expect(throws: (any Error).self, "\(bad)") { try MemcachedServer.list(parsing: bad) }
        }
    }
}
