import HTTPTypes
import NIOCore

/// A response answered from the hot tier, ready to write: the head, and the
/// body (`nil`: none, as for HEAD, 304 and 412).
public struct HotAnswer: Sendable {
    /// Status and header fields as the full path would send them (before the
    /// server's own framing, `Date` and `Server`).
    public var head: HTTPResponse
    /// The body, or `nil` for none.
    public var body: ByteBuffer?

    /// An answer.
    public init(head: HTTPResponse, body: ByteBuffer?) {
        self.head = head
        self.body = body
    }
}
