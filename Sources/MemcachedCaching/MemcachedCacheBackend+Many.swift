import Caching
import NIOCore

extension MemcachedCacheBackend {
    /// One round trip per server, the servers concurrently: quiet `mg`
    /// commands labelled with opaque tokens, then `mn`; only hits come back.
    public func getMany(_ keys: [String]) async throws -> [String: CacheValue] {
        guard !keys.isEmpty else { return [:] }
        let groups = client.partition(keys)
        if groups.count == 1, let (index, group) = groups.first {
            return try await getMany(group.map(\.key), on: index)
        }
        return try await withThrowingTaskGroup(of: [String: CacheValue].self) { tasks in
            for (index, group) in groups {
                let keys = group.map(\.key)
                tasks.addTask { try await self.getMany(keys, on: index) }
            }
            var found: [String: CacheValue] = [:]
            for try await part in tasks {
                found.merge(part) { first, _ in first }
            }
            return found
        }
    }

    private func getMany(_ keys: [String], on index: Int) async throws -> [String: CacheValue] {
        try await onServer(index, write: false, whenDown: { [:] }) { pool in
            let commands = keys.enumerated().map { MemcachedCommand.quietGet(key: $0.element, opaque: $0.offset) }
            let replies = try await pool.send(.quiet(commands))
            var found: [String: CacheValue] = [:]
            for reply in replies {
                guard case .value(let flags, let data) = reply else { throw failure(reply, "mg", pool) }
                guard let token = flags["O"], let position = Int(token), keys.indices.contains(position) else {
                    throw CacheError.backendFailure(
                        backend: name, message: "memcached at \(pool.server) sent a value labelled '\(flags["O"] ?? "")', which no request carried")
                }
                found[keys[position]] = .bytes(Self.storedBytes(data))
            }
            return found
        }
    }

    /// One pipelined round trip per server, the servers concurrently. Returns
    /// the keys a server refused (over its item size, out of memory), whose old
    /// values are deleted; in the `miss` failure mode also every key of a server
    /// that cannot be reached.
    public func setMany(_ entries: [(key: String, value: CacheValue)], lifetime: CacheLifetime) async throws -> [String] {
        guard !entries.isEmpty else { return [] }
        let ttl = exptime(lifetime)
        var groups: [Int: [(key: String, bytes: [UInt8])]] = [:]
        for entry in entries {
            groups[client.serverIndex(for: entry.key), default: []].append((entry.key, try storable(entry.value, key: entry.key)))
        }
        if groups.count == 1, let (index, group) = groups.first {
            return try await setMany(group, ttl: ttl, on: index)
        }
        return try await withThrowingTaskGroup(of: [String].self) { tasks in
            for (index, group) in groups {
                tasks.addTask { try await self.setMany(group, ttl: ttl, on: index) }
            }
            var failed: [String] = []
            for try await part in tasks { failed += part }
            return failed
        }
    }

    private func setMany(_ entries: [(key: String, bytes: [UInt8])], ttl: Int, on index: Int) async throws -> [String] {
        try await onServer(index, write: true, whenDown: { entries.map(\.key) }) { pool in
            let commands = entries.map { MemcachedCommand.store(key: $0.key, value: $0.bytes, ttl: ttl, mode: .set, cas: nil) }
            let replies = try await pool.send(.pipeline(commands))
            var failed: [String] = []
            for (entry, reply) in zip(entries, replies) {
                if case .header = reply { continue }
                failed.append(entry.key)
                logger.debug("memcached refused a value in setMany",
                             metadata: ["memcached.server": "\(pool.server)", "key": "\(entry.key)", "reply": "\(reply.summary)"])
            }
            if !failed.isEmpty {
                // As for a single set: no stale value is left behind.
                _ = try? await pool.send(.quiet(failed.map { .delete(key: $0, quiet: true) }))
            }
            return failed
        }
    }

    /// Quiet `md` commands and one `mn` per server, the servers concurrently.
    public func deleteMany(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        let groups = client.partition(keys)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for (index, group) in groups {
                let keys = group.map(\.key)
                tasks.addTask { try await self.deleteMany(keys, on: index) }
            }
            try await tasks.waitForAll()
        }
    }

    private func deleteMany(_ keys: [String], on index: Int) async throws {
        try await onServer(index, write: true, whenDown: {}) { pool in
            let replies = try await pool.send(.quiet(keys.map { .delete(key: $0, quiet: true) }))
            // `NF` for a key that was not there is fine; a server error is not.
            for case .serverError(let message) in replies {
                throw failure(.serverError(message), "md", pool)
            }
        }
    }
}
