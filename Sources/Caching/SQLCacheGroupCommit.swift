/// Runs a batch of concurrent writes to a cache table in a few multi-row
/// statements, while every caller gets the exact result it would have had
/// alone, in the batch's order: one implementation of that rule for the SQLite
/// and PostgreSQL backends.
///
/// - The batch is cut into runs of writes with distinct keys (a key written
///   twice starts a new run), so no two writes of a run touch the same row
///   and their order within the run does not matter: of two concurrent `add`s
///   of a key exactly one wins, and each `increment` sees its own new value.
/// - Culling stays Django's: before each write that can add a row, the table
///   is culled when it holds more than `maxEntries` rows. A run with several
///   `set`s or `add`s is counted once (on PostgreSQL in the same statement
///   as the `set`s); when even its last growing write could find the table
///   over the limit, those writes go one by one, each with its own count
///   (exactly Django's arithmetic), else no write of the run would cull and
///   the multi-row statements change nothing about it.
/// - `set`s, `add`s and `delete`s of a run are one statement each; `touch`
///   and `increment` run one by one (still inside the batch's transaction
///   where the backend has one).
/// - When a multi-row statement fails (a dropped connection, a damaged row),
///   its writes are retried one by one, so only a write that fails by itself
///   fails its caller, with its own typed error.
package enum SQLCacheGroupCommit {
    /// Runs `writes` on `session`; one result per write, in order.
    package static func run(
        _ writes: [SQLCacheWrite], now: Double, maxEntries: Int, session: some SQLCacheWriteSession
    ) async -> [Result<SQLCacheWriteOutcome, any Error>] {
        var results: [Result<SQLCacheWriteOutcome, any Error>] = []
        results.reserveCapacity(writes.count)
        var start = 0
        while start < writes.count {
            var keys = Set<String>()
            var end = start
            while end < writes.count, keys.insert(writes[end].key).inserted { end += 1 }
            results += await runDistinct(Array(writes[start..<end]), now: now, maxEntries: maxEntries, session: session)
            start = end
        }
        return results
    }

    /// A run of writes with distinct keys.
    private static func runDistinct(
        _ writes: [SQLCacheWrite], now: Double, maxEntries: Int, session: some SQLCacheWriteSession
    ) async -> [Result<SQLCacheWriteOutcome, any Error>] {
        if writes.count == 1 { return await oneByOne(writes, now: now, session: session) }
        var results = [Result<SQLCacheWriteOutcome, any Error>?](repeating: nil, count: writes.count)
        var sets: [(index: Int, row: SQLCacheRow)] = []
        var adds: [(index: Int, row: SQLCacheRow)] = []
        var deletes: [(index: Int, key: String)] = []
        var others: [Int] = []
        for (index, write) in writes.enumerated() {
            switch write {
            case .set(let key, let value, let expires): sets.append((index, SQLCacheRow(key: key, value: value, expires: expires)))
            case .add(let key, let value, let expires): adds.append((index, SQLCacheRow(key: key, value: value, expires: expires)))
            case .delete(let key): deletes.append((index, key))
            case .touch, .increment: others.append(index)
            }
        }
        // The count before the i-th growing write is at most `counted + i`:
        // multi-row statements are exact when even the last cannot find the
        // table over the limit, that is when it holds at most `headroom` rows.
        let growing = sets.count + adds.count
        let headroom = maxEntries - growing + 1
        let countLimit = maxEntries >= Int.max - 1 ? Int.max : max(maxEntries, 0) + 1
        var counted = false
        if sets.count > 1 {
            do {
                guard try await session.set(sets.map(\.row), ifCountAtMost: headroom, countLimit: countLimit) else {
                    return await oneByOne(writes, now: now, session: session)
                }
                for entry in sets { results[entry.index] = .success(.stored) }
                counted = true
            } catch {
                others += sets.map(\.index)
            }
        } else {
            others += sets.map(\.index)
        }
        if adds.count > 1 {
            do {
                if !counted, try await session.count(upTo: countLimit) > headroom {
                    others += adds.map(\.index)
                } else {
                    let stored = try await session.add(adds.map(\.row), now: now)
                    for entry in adds { results[entry.index] = .success(.changed(stored.contains(entry.row.key))) }
                }
            } catch {
                others += adds.map(\.index)
            }
        } else {
            others += adds.map(\.index)
        }
        if deletes.count > 1 {
            do {
                let deleted = try await session.delete(deletes.map(\.key))
                for entry in deletes { results[entry.index] = .success(.changed(deleted.contains(entry.key))) }
            } catch {
                others += deletes.map(\.index)
            }
        } else {
            others += deletes.map(\.index)
        }
        for index in others.sorted() {
            results[index] = await single(writes[index], now: now, session: session)
        }
        return results.map { $0 ?? .failure(CallBatcherError.noResult) }
    }

    private static func oneByOne(
        _ writes: [SQLCacheWrite], now: Double, session: some SQLCacheWriteSession
    ) async -> [Result<SQLCacheWriteOutcome, any Error>] {
        var results: [Result<SQLCacheWriteOutcome, any Error>] = []
        results.reserveCapacity(writes.count)
        for write in writes { results.append(await single(write, now: now, session: session)) }
        return results
    }

    private static func single(
        _ write: SQLCacheWrite, now: Double, session: some SQLCacheWriteSession
    ) async -> Result<SQLCacheWriteOutcome, any Error> {
        do {
            return .success(try await session.single(write, now: now))
        } catch {
            return .failure(error)
        }
    }
}
