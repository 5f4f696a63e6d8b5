#if Vapor
import Caching
import Foundation
import NIOCore
import Vapor

/// Decodes the JSON text of a stored value as `T` (a type, no state: safe
/// to send to the event loop whatever `T` is).
struct JSONTextDecoder<T: Decodable>: @unchecked Sendable {
    func callAsFunction(_ json: String?) throws -> T? {
        guard let json else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }
}

/// Vapor's `Cache` protocol (`app.cache`, `req.cache`) served by a
/// swift-caching alias, so code written against Vapor's cache gets every
/// backend of swift-caching — and expiry on each of them.
///
/// Values are stored as JSON text, as Vapor's Redis driver stores them, so a
/// value written through `req.cache` reads back through it from any instance
/// (values written with swift-caching's own API keep its encoding: read them
/// with that API). `expiresIn` becomes the entry's timeout;
/// without it the alias's `TIMEOUT` applies. A cache failure is an error of
/// the returned future, never a crash.
public struct SwiftCachingVaporCache: Vapor.Cache, Sendable {
    /// The alias's cache (`nil`: the alias is not configured, and every call
    /// fails with an error naming it).
    let cache: Caching.Cache?
    /// The alias, for errors.
    let alias: String
    /// Where the futures complete.
    let eventLoop: any EventLoop

    /// The cache of `alias`, completing on `eventLoop`.
    public init(cache: Caching.Cache?, alias: String, eventLoop: any EventLoop) {
        self.cache = cache
        self.alias = alias
        self.eventLoop = eventLoop
    }

    /// The value of `key` decoded as `type`, or `nil` on a miss.
    public func get<T: Decodable>(_ key: String, as type: T.Type) -> EventLoopFuture<T?> {
        let decode = JSONTextDecoder<T>()
        return run { cache in try await cache.get(key, as: String.self) }.flatMapThrowing(decode.callAsFunction)
    }

    /// Stores `value` under `key` for the alias's default timeout; `nil` deletes it.
    public func set<T: Encodable>(_ key: String, to value: T?) -> EventLoopFuture<Void> {
        set(key, to: value, expiresIn: nil)
    }

    /// Stores `value` under `key` until `expirationTime` (the alias's default
    /// timeout when `nil`); a `nil` value deletes the key.
    public func set<T: Encodable>(_ key: String, to value: T?, expiresIn expirationTime: CacheExpirationTime?) -> EventLoopFuture<Void> {
        guard let value else {
            return run { cache in _ = try await cache.delete(key) }
        }
        let json: String
        do {
            json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let timeout: CacheTimeout = expirationTime.map { .seconds(Double($0.seconds)) } ?? .default
        return run { cache in try await cache.set(key, json, timeout: timeout) }
    }

    /// The same cache, completing on the request's event loop.
    public func `for`(_ request: Vapor.Request) -> SwiftCachingVaporCache {
        SwiftCachingVaporCache(cache: cache, alias: alias, eventLoop: request.eventLoop)
    }

    /// Runs `body` on the alias's cache, as a future on ``eventLoop``.
    private func run<Value: Sendable>(_ body: @escaping @Sendable (Caching.Cache) async throws -> Value) -> EventLoopFuture<Value> {
        guard let cache else {
            return eventLoop.makeFailedFuture(CacheConfigurationError(
                "The cache alias '\(alias)' used by app.caches.use(.swiftCaching(\"\(alias)\")) is not configured; "
                    + "add it to the settings' \"caches\" section or call app.caches.configure(settings:) first"))
        }
        return eventLoop.makeFutureWithTask { try await body(cache) }
    }
}
#endif
