import Caching
import HTTPCaching
import HTTPTypes
import Hummingbird
import NIOCore

/// What ``HotPathHandler`` answers cache hits with: the page cache whose hot
/// tier it reads (`PageCache.hotAnswer(_:conditionalGet:)` or
/// `SharedHTTPCache.hotAnswer(_:)`, which hold every caching
/// rule) and the fields the server adds to every response, so that a hit
/// answered at the connection is the response the full path would send.
///
/// Build it from a ``CachingResponder`` (``CachingResponder/hotPath``), which
/// shares its page cache and hot tier with it; then
/// `HTTPServerBuilder.http1(servingHitsFrom:)` puts it in the server.
public struct HotPathResponder: Sendable {
    enum Engine: Sendable {
        case django(DjangoHits)
        case shared(SharedHits)
    }

    /// Django mode's page cache, in a class of its own: binding the engine's
    /// case retains one reference, and the call borrows the cache in place.
    /// (A generic box copied the whole cache struct out on every hit, and
    /// destroyed the copy after: measurable in a profile.)
    final class DjangoHits: Sendable {
        let pageCache: PageCache
        let conditionalGet: Bool
        init(_ pageCache: PageCache, conditionalGet: Bool) {
            self.pageCache = pageCache
            self.conditionalGet = conditionalGet
        }
    }

    /// Shared mode's cache, in a class of its own (see ``DjangoHits``).
    final class SharedHits: Sendable {
        let cache: SharedHTTPCache
        let headKeepsLength: Bool
        init(_ cache: SharedHTTPCache, headKeepsLength: Bool) {
            self.cache = cache
            self.headKeepsLength = headKeepsLength
        }
    }

    let engine: Engine
    /// Writes `Date` (the current time) on every answer, as Hummingbird's
    /// `Application` does on every response (default on).
    public var stampsDate: Bool
    /// The `Server` field, as `ApplicationConfiguration.serverName` sets it on
    /// every response of an `Application` (default none).
    public var serverName: String?

    /// Django mode: hits of `pageCache`, with the conditional-GET step around
    /// the fetch step when `conditionalGet` is on (``CachingResponder``'s order).
    public static func django(_ pageCache: PageCache, conditionalGet: Bool = true) -> HotPathResponder {
        HotPathResponder(engine: .django(DjangoHits(pageCache, conditionalGet: conditionalGet)), stampsDate: true, serverName: nil)
    }

    /// Shared mode: fresh hits of `cache`. `headKeepsLength`: a HEAD answer
    /// keeps the stored `Content-Length` (as `caching-proxy` answers) rather
    /// than the length of its empty body (as ``SharedCacheResponder`` does).
    public static func shared(_ cache: SharedHTTPCache, headKeepsLength: Bool = false) -> HotPathResponder {
        HotPathResponder(engine: .shared(SharedHits(cache, headKeepsLength: headKeepsLength)), stampsDate: true, serverName: nil)
    }

    /// Whether a request head may be answered here, before its end is read:
    /// a GET or HEAD the server would keep alive or close as it does any
    /// (`Connection` absent, `keep-alive` or `close`), with no body, no
    /// `Expect` and no `Upgrade`. Every other request goes the full way.
    func mayAnswer(_ request: HTTPRequest) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        let fields = request.headerFields
        if let connection = fields[.connection], connection != "keep-alive", connection != "close" { return false }
        if fields[.expect] != nil || fields[.upgrade] != nil || fields[.transferEncoding] != nil { return false }
        if let length = fields[.contentLength], length != "0" { return false }
        return true
    }

    /// The answer to `request` from the hot tier, head framed as the full path
    /// frames it (`Content-Length`), without `Date` and `Server`; `nil`: the
    /// request goes the full way.
    func answer(_ request: HTTPRequest) -> HotAnswer? {
        let request = request.cacheHead
        switch engine {
        case .django(let hits):
            // Framed in place: the answer's fields are this call's own, so no
            // copy of them is made between the tier and the codec.
            guard var answer = hits.pageCache.hotAnswer(request, conditionalGet: hits.conditionalGet) else { return nil }
            Response.framePage(&answer.head.headerFields, bodyCount: answer.body?.readableBytes ?? 0)
            return answer
        case .shared(let hits):
            guard var answer = hits.cache.hotAnswer(request) else { return nil }
            let stored = answer.head.headerFields[.contentLength]
            Response.frameCacheResponse(&answer.head.headerFields, bodyCount: answer.body?.readableBytes ?? 0)
            if hits.headKeepsLength, request.method == .head { answer.head.headerFields[.contentLength] = stored }
            return answer
        }
    }
}

extension HTTPRequest {
    /// The request with a scheme, as cache keys need an absolute URL. One
    /// home for the full path (`Request.cacheHead`) and hits at the connection.
    var cacheHead: HTTPRequest {
        guard scheme == nil else { return self }
        var head = self
        head.scheme = "http"
        return head
    }
}
