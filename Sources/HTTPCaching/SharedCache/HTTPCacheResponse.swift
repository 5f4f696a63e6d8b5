import HTTPTypes

/// A response body as the shared cache passes it on: all of it in memory, or a
/// stream that is forwarded as it arrives (an uncacheable or over-size response
/// is never buffered whole).
public enum HTTPCacheBody: Sendable {
    /// The whole body.
    case buffered([UInt8])
    /// The body in chunks, as the origin sends them.
    case stream(AsyncThrowingStream<[UInt8], any Error>)

    /// An empty body.
    public static let empty = HTTPCacheBody.buffered([])

    /// The body in memory when it has at most `limit` bytes; otherwise a stream
    /// that yields what was read and then the rest, so nothing is lost.
    func collect(upTo limit: Int) async throws -> HTTPCacheBody {
        switch self {
        case .buffered:
            return self
        case .stream(let stream):
            // One task owns the origin stream: it buffers up to `limit`, then,
            // past it, hands the caller a stream of what it read and the rest.
            let (output, outlet) = AsyncThrowingStream.makeStream(of: [UInt8].self)
            return try await withCheckedThrowingContinuation { (decision: CheckedContinuation<HTTPCacheBody, any Error>) in
                let task = Task {
                    var collected: [UInt8] = []
                    var streaming = false
                    do {
                        for try await chunk in stream {
                            if streaming {
                                outlet.yield(chunk)
                                continue
                            }
                            collected += chunk
                            if collected.count > limit {
                                streaming = true
                                outlet.yield(collected)
                                collected = []
                                decision.resume(returning: .stream(output))
                            }
                        }
                        outlet.finish()
                        if !streaming { decision.resume(returning: .buffered(collected)) }
                    } catch {
                        outlet.finish(throwing: error)
                        if !streaming { decision.resume(throwing: error) }
                    }
                }
                outlet.onTermination = { reason in
                    if case .cancelled = reason { task.cancel() }
                }
            }
        }
    }
}

/// A response head and its body.
public struct HTTPCacheResponse: Sendable {
    /// Status and header fields.
    public var head: HTTPResponse
    /// The body.
    public var body: HTTPCacheBody

    /// Wraps a head and a body.
    public init(head: HTTPResponse, body: HTTPCacheBody) {
        self.head = head
        self.body = body
    }

    /// A response with a buffered body.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.head = HTTPResponse(status: status, headerFields: headerFields)
        self.body = .buffered(body)
    }
}
