import HTTPTypes

/// Incomplete responses (RFC 9111 §3.3): a `206` to a single range is kept
/// beside the URL's complete responses, and a later `Range` request that it
/// covers is answered from it while it is fresh. Parts are not combined into
/// a complete response (§3.4); a newer part replaces the older one.
extension SharedHTTPCache {
    /// The key of a URL's stored part.
    func partialKey(_ uri: String) -> String { storageKey(uri) + ".partial" }

    /// The byte range and complete length of a `Content-Range` such as
    /// `bytes 4-9/10` (RFC 9110 §14.4); `nil` for anything else, including an
    /// unknown length (`*`).
    static func contentRange(_ value: String) -> (range: ClosedRange<Int>, length: Int)? {
        let text = Substring(value).trimmingHTTPWhitespace()
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst("bytes ".count)
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let length = Int(halves[1]) else { return nil }
        let bounds = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int(bounds[0]), let last = Int(bounds[1]),
              first >= 0, first <= last, last < length else { return nil }
        return (first...last, length)
    }

    /// Stores a `206` whose body is the one range its `Content-Range` states,
    /// when the response would be storable as a `200` and is fresh.
    func storePartial(
        _ head: HTTPResponse, body: [UInt8], for request: HTTPRequest, uri: String, requestTime: Double, responseTime: Double
    ) async -> Bool {
        guard let value = head.headerFields[.contentRange], let (range, _) = Self.contentRange(value),
              range.count == body.count else { return false }
        var asComplete = head
        asComplete.status = .ok
        guard isStorable(asComplete, for: request) else { return false }
        let entry = StoredHTTPResponse(
            response: storableHead(head), body: body,
            varyValues: Self.varyValues(of: request, vary: head.headerFields),
            requestTime: requestTime, responseTime: responseTime)
        let freshness = self.freshness(of: entry, now: clock.now())
        guard freshness.isFresh else { return false }
        do {
            try await cache.set(partialKey(uri), StoredVariants(variants: [entry]), timeout: .seconds(freshness.remaining))
            return true
        } catch {
            logger.error("shared cache: could not store part of \(uri): \(error)")
            return false
        }
    }

    /// The answer to a `Range` request from the stored part, when the part is
    /// fresh, usable without validation and covers the one range asked for.
    func servePartial(_ request: HTTPRequest, uri: String, requestDirectives: CacheDirectives) async -> HTTPCacheResponse? {
        guard request.method == .get, let range = request.headerFields[.range],
              Self.conditionalFields.allSatisfy({ request.headerFields[$0] == nil }) else { return nil }
        let variants: [StoredHTTPResponse]?
        do {
            variants = try await cache.get(partialKey(uri), as: StoredVariants.self)?.variants
        } catch {
            logger.error("shared cache: could not read part of \(uri), treating it as a miss: \(error)")
            return nil
        }
        guard let variants, let stored = select(from: variants, for: request),
              let value = stored.headerFields[.contentRange], let (part, length) = Self.contentRange(value) else { return nil }
        let freshness = self.freshness(of: stored, now: clock.now())
        guard usability(freshness, response: directives(of: stored.headerFields).directives, request: requestDirectives) == .fresh,
              case .partial(let asked) = ByteRanges.answer(range, length: length),
              asked.lowerBound >= part.lowerBound, asked.upperBound <= part.upperBound else { return nil }
        var head = stored.response
        head.headerFields[.age] = String(Int(freshness.age.rounded(.down)))
        head.headerFields[.contentLength] = nil
        head.headerFields[.contentRange] = "bytes \(asked.lowerBound)-\(asked.upperBound)/\(length)"
        let start = asked.lowerBound - part.lowerBound
        let body = Array(stored.body[start..<(start + asked.count)])
        return decorate(HTTPCacheResponse(head: head, body: .buffered(body)), status: "hit; detail=partial", ttl: freshness.remaining)
    }
}
