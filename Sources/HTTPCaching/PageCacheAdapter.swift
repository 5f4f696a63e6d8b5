import HTTPTypes

/// How a web framework's own response type looks to the page-cache steps
/// (``PageCache/update(_:adapter:next:)``, ``PageCache/fetch(_:adapter:next:)``,
/// ``ConditionalGet/respond(_:adapter:next:)``, ``HEADThroughGET``).
///
/// The steps hold every caching rule; an adapter only converts. Its body
/// conversion is lazy on purpose: a step that needs the bytes (to store a page,
/// to hash an ETag) asks for them, and a step that only reads the head does not
/// make the framework buffer a body.
public protocol PageCacheAdapter: Sendable {
    /// The framework's response.
    associatedtype Response
    /// The framework's streaming body, passed through untouched.
    associatedtype Stream: Sendable

    /// The status and header fields, without reading the body.
    func head(of response: Response) -> HTTPResponse
    /// The whole response: its body in bytes when the framework knows its
    /// length and it is small enough to cache, else the framework's stream.
    func page(from response: Response) async throws -> PageResponse<Stream>
    /// A framework response for a page. A `Content-Length` in the page's head
    /// is kept as it is (a HEAD answer carries the GET body's length).
    func response(from page: PageResponse<Stream>) -> Response
}

/// The adapter for code that already works with ``PageResponse`` values
/// (``PageCache/respond(to:handler:)`` and tests).
public struct PageResponseAdapter<Stream: Sendable>: PageCacheAdapter {
    /// An adapter.
    public init() {}

    /// The page's head.
    public func head(of response: PageResponse<Stream>) -> HTTPResponse { response.head }
    /// The page itself.
    public func page(from response: PageResponse<Stream>) async throws -> PageResponse<Stream> { response }
    /// The page itself.
    public func response(from page: PageResponse<Stream>) -> PageResponse<Stream> { page }
}
