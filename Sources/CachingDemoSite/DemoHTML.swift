import Foundation
import Hummingbird
import NIOCore

/// Minimal HTML pages for the demo.
enum DemoHTML {
    /// A whole page as a response.
    static func page(title: String, body: String) -> Response {
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title></head>
            <body><h1>\(escape(title))</h1>\(body)<p><a href="/">Home</a></p></body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The current time, to show when a page was rendered.
    static var renderedAt: String {
        "<p>Rendered at <strong>\(Date().formatted(.iso8601))</strong>.</p>"
    }

    /// Text escaped for HTML.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
