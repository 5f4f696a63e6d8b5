import HTTPTypes

/// `Range` requests answered from a stored complete response (RFC 9110 §14).
///
/// One satisfiable range is answered `206 Partial Content` with
/// `Content-Range: bytes first-last/length`; no satisfiable range is `416 Range
/// Not Satisfiable` with `Content-Range: bytes */length`. Several satisfiable
/// ranges are answered with the whole response (`200`), which §14.2 allows ("a
/// server MAY ignore the Range header field"): this cache does not build
/// `multipart/byteranges` bodies. A `Range` it cannot parse, in another unit, or
/// whose `If-Range` does not match the stored response (§13.1.5) is ignored the
/// same way.
public enum ByteRanges {
    /// What a `Range` asks of a representation of `length` bytes.
    public enum Answer: Equatable, Sendable {
        /// The whole representation (no usable `Range`, or more than one range).
        case full
        /// One range, first and last byte positions included.
        case partial(ClosedRange<Int>)
        /// No range overlaps the representation.
        case unsatisfiable
    }

    /// The answer to a `Range` value for a representation of `length` bytes.
    public static func answer(_ range: String, length: Int) -> Answer {
        let text = Substring(range).trimmingHTTPWhitespace()
        guard let equals = text.firstIndex(of: "="), text[..<equals].trimmingHTTPWhitespace().lowercased() == "bytes" else {
            return .full
        }
        var satisfiable: [ClosedRange<Int>] = []
        var sawRange = false
        for member in text[text.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false) {
            let spec = member.trimmingHTTPWhitespace()
            if spec.isEmpty { continue }  // Empty list members are allowed (RFC 9110 §5.6.1).
            guard let dash = spec.firstIndex(of: "-") else { return .full }
            let first = spec[..<dash], last = spec[spec.index(after: dash)...]
            sawRange = true
            if first.isEmpty {
                // suffix-range: the last N bytes.
                guard let suffix = digits(last) else { return .full }
                if suffix > 0, length > 0 { satisfiable.append(max(0, length - suffix)...(length - 1)) }
            } else {
                guard let start = digits(first) else { return .full }
                var end = length - 1
                if !last.isEmpty {
                    guard let stated = digits(last), stated >= start else { return .full }
                    end = min(stated, length - 1)
                }
                if start < length { satisfiable.append(start...end) }
            }
        }
        guard sawRange else { return .full }
        switch satisfiable.count {
        case 0: return .unsatisfiable
        case 1: return .partial(satisfiable[0])
        default: return .full
        }
    }

    /// Whether `If-Range` lets the `Range` apply to a stored response with
    /// these validators (RFC 9110 §13.1.5): a strong entity tag equal to the
    /// stored one, or an HTTP date equal to its `Last-Modified`.
    public static func ifRangeMatches(_ ifRange: String, entityTag: String?, lastModified: String?) -> Bool {
        let condition = Substring(ifRange).trimmingHTTPWhitespace()
        if condition.hasPrefix("\"") || condition.hasPrefix("W/") {
            guard let entityTag, !condition.hasPrefix("W/"), !entityTag.hasPrefix("W/") else { return false }
            return condition == entityTag
        }
        guard let lastModified, let date = HTTPDate.parse(condition), let modified = HTTPDate.parse(lastModified) else { return false }
        return date == modified
    }

    /// A stored complete (200) response to a GET, narrowed to the request's
    /// `Range` where it asks for one satisfiable range; the response unchanged
    /// otherwise.
    public static func apply(to request: HTTPRequest, head: HTTPResponse, body: [UInt8]) -> (HTTPResponse, [UInt8]) {
        guard request.method == .get, head.status == .ok, let range = request.headerFields[.range] else { return (head, body) }
        if let ifRange = request.headerFields[.ifRange],
           !ifRangeMatches(ifRange, entityTag: head.headerFields[.eTag], lastModified: head.headerFields[.lastModified]) {
            return (head, body)
        }
        var narrowed = head
        narrowed.headerFields[.contentLength] = nil
        switch answer(range, length: body.count) {
        case .full:
            return (head, body)
        case .partial(let bytes):
            narrowed.status = .partialContent
            narrowed.headerFields[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(body.count)"
            return (narrowed, Array(body[bytes]))
        case .unsatisfiable:
            var refused = HTTPResponse(status: .rangeNotSatisfiable)
            for name in [HTTPField.Name.date, .eTag, .lastModified] {
                if let value = head.headerFields[name] { refused.headerFields[name] = value }
            }
            refused.headerFields[.contentRange] = "bytes */\(body.count)"
            return (refused, [])
        }
    }

    private static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }
}
