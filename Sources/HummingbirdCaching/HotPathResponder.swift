import Caching
import HTTPCaching
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

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

    /// What one connection keeps between its hits: the `Date` value of the
    /// current second, and its last answer with what that answer depended on.
    ///
    /// Why: a connection answering the same page many times a second would
    /// otherwise copy, frame and stamp the same header fields each time; with
    /// the key (``HotAnswerKey``) and the second unchanged, the previous
    /// answer is written again as it is. It holds one answer (a reference to
    /// the hot tier's body, not a copy) until the connection's next answer or
    /// its close.
    struct ConnectionMemo {
        /// The second of the last answer, and its `Date` value.
        var date: (second: Int64, value: String) = (-1, "")
        /// What the last answer depended on (`nil`: it is not reused).
        var lastKey: HotAnswerKey?
        /// The last answer, as written (stamped in `date.second`).
        var lastAnswer: WireAnswer?
        /// Whether answers carry their HTTP/1 head: only when the connection's
        /// handler writes below the codec, which otherwise converts the head
        /// itself (converting here too would be work thrown away).
        var http1Heads = false
    }

    /// An answer as written: its head in the fields' form and, when the
    /// connection asks for it (``ConnectionMemo/http1Heads``), in HTTP/1's
    /// (`HTTPResponseHead`, what `HTTP1ToHTTPServerCodec` would make of it),
    /// and its body.
    ///
    /// Why both: ``HotPathHandler`` writes the HTTP/1 head straight to the
    /// encoder when nothing between it and the codec would change it, so a
    /// reused answer is not converted again per hit (the conversion copies
    /// every field into new strings); the fields' form is for a pipeline it
    /// cannot bypass.
    struct WireAnswer {
        /// The head, as Hummingbird's handlers see responses.
        var response: HTTPResponse
        /// The same head in HTTP/1's form (`nil`: not asked for).
        var head: HTTPResponseHead?
        /// The body, or `nil` for none.
        var body: ByteBuffer?

        init(_ answer: HotAnswer, http1Head: Bool) {
            response = answer.head
            head = http1Head ? HTTPResponseHead(answer.head) : nil
            body = answer.body
        }
    }

    /// The answer to `request` from the hot tier, ready to write: head framed
    /// as the full path frames it (`Content-Length`), with `Date` and `Server`
    /// as the server adds them; `nil`: the request goes the full way.
    func answer(_ request: HTTPRequest, memo: inout ConnectionMemo) -> WireAnswer? {
        let request = request.cacheHead
        // Read before the call, so the cache is borrowed in place, not copied.
        let previous = memo.lastKey
        let lookup: HotAnswerLookup?
        switch engine {
        case .django(let hits):
            lookup = hits.pageCache.hotAnswer(request, conditionalGet: hits.conditionalGet, unlessSameAs: previous)
        case .shared(let hits):
            lookup = hits.cache.hotAnswer(request, unlessSameAs: previous)
        }
        guard let lookup else { return nil }
        let stampedSecond = memo.date.second
        advanceDate(&memo)
        var answer: HotAnswer
        var key: HotAnswerKey?
        switch lookup {
        case .unchanged:
            // `.unchanged` only answers `memo.lastKey`, set with `lastAnswer`.
            guard let last = memo.lastAnswer else { return nil }
            if memo.date.second == stampedSecond { return last }
            // The same answer in a new second: stamped again below.
            answer = HotAnswer(head: last.response, body: last.body)
            key = previous
        case .answer(let found, let foundKey):
            answer = found
            key = foundKey
            frame(&answer, for: request)
        }
        if stampsDate { answer.head.headerFields[.date] = memo.date.value }
        if let serverName { answer.head.headerFields[.server] = serverName }
        let wire = WireAnswer(answer, http1Head: memo.http1Heads)
        memo.lastKey = key
        memo.lastAnswer = key == nil ? nil : wire
        return wire
    }

    /// Frames a new answer as the full path frames it (`Content-Length`).
    private func frame(_ answer: inout HotAnswer, for request: HTTPRequest) {
        switch engine {
        case .django:
            // Framed in place: the answer's fields are this call's own, so no
            // copy of them is made between the tier and the codec.
            Response.framePage(&answer.head.headerFields, bodyCount: answer.body?.readableBytes ?? 0)
        case .shared(let hits):
            let stored = answer.head.headerFields[.contentLength]
            Response.frameCacheResponse(&answer.head.headerFields, bodyCount: answer.body?.readableBytes ?? 0)
            if hits.headKeepsLength, request.method == .head { answer.head.headerFields[.contentLength] = stored }
        }
    }

    /// Moves `memo.date` to the current second (formatted once a second).
    private func advanceDate(_ memo: inout ConnectionMemo) {
        let second = Int64(CacheClock.wall.now().rounded(.down))
        if second != memo.date.second { memo.date = (second, HTTPDate.format(Double(second))) }
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
