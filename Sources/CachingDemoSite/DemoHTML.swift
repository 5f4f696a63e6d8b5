import CachingDemoContent
import Hummingbird
import NIOCore

/// The demo's pages (``CachingDemoContent/DemoPages``) as Hummingbird responses.
enum DemoHTML {
    /// An HTML page as a `200 OK` response.
    static func response(_ html: String) -> Response {
        Response(status: .ok, headers: [.contentType: DemoPages.contentType], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
