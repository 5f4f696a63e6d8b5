import HTTPCaching
import Hummingbird

/// Hummingbird's `Response` as the page-cache steps see it
/// (`PageCacheAdapter`): conversion only, no rule.
public struct HummingbirdPageAdapter: PageCacheAdapter {
    /// Larger bodies stream through untouched instead of being buffered.
    public let maxBodyBytes: Int

    /// An adapter that buffers bodies of known length up to `maxBodyBytes`.
    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// The response's status and fields.
    public func head(of response: Response) -> HTTPResponse { response.head }

    /// The body in bytes when its length is known and within the limit.
    public func page(from response: Response) async throws -> PageResponse<ResponseBody> {
        try await response.pageResponse(bodyLimit: maxBodyBytes)
    }

    /// A Hummingbird response for a page.
    public func response(from page: PageResponse<ResponseBody>) -> Response { Response(page) }
}
