import HTTPTypes
import NIOCore

/// What the hot tier holds: the page cache's header lists and pages (django
/// mode) or the shared cache's variants of a URL (shared mode).
enum HotValue: Sendable {
    /// Django's learned header list for a URL.
    case headerList([String])
    /// A Django-mode page.
    case page(HotPage)
    /// The shared cache's stored variants of a URL, newest first.
    case variants([HotVariant])

    /// An estimate of the memory the value holds.
    var byteCount: Int {
        switch self {
        case .headerList(let names): return names.reduce(16) { $0 + $1.utf8.count + 16 }
        case .page(let page): return page.body.readableBytes + Self.fieldBytes(page.head.headerFields) + 64
        case .variants(let variants):
            return variants.reduce(0) { $0 + $1.body.readableBytes + $1.stored.body.count + Self.fieldBytes($1.stored.headerFields) + 96 }
        }
    }

    static func fieldBytes(_ fields: HTTPFields) -> Int {
        fields.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 32 }
    }
}

/// A Django-mode page ready to write: the stored head (without `Age`), the
/// body, and the two numbers its `Age` is computed from.
struct HotPage: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer
    var maxAge: Int?
    var expires: Double?
    /// The ETag the ``ConditionalGet`` step adds to this page on every hit
    /// (`nil` when it adds none), computed once when the page is stored
    /// instead of hashing the body on each hit at the connection.
    var conditionalETag: String?
    /// This hot copy's identity (``HotAnswerKey``).
    var id: UInt64
}

/// One stored shared-cache variant and its body ready to write.
struct HotVariant: Sendable {
    var stored: StoredHTTPResponse
    var body: ByteBuffer
    /// The variant's freshness when it entered the hot tier; a hit moves it
    /// to its own time with `at(_:)` instead of parsing the fields again.
    var freshness: SharedCacheFreshness
    /// The variant's response directives, parsed once.
    var directives: CacheDirectives
    /// This hot copy's identity (``HotAnswerKey``).
    var id: UInt64
}
