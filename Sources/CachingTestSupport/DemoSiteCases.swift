import HTTPCaching
import HTTPTypes

/// What a framework adapter answered to one request of a ``DemoSiteCase``.
public struct SiteReply: Sendable {
    /// The status code.
    public var status: Int
    /// The header fields.
    public var fields: HTTPFields
    /// The body.
    public var body: [UInt8]

    /// A reply.
    public init(status: Int, fields: HTTPFields, body: [UInt8]) {
        self.status = status
        self.fields = fields
        self.body = body
    }

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// One table of behaviours of the demo site behind the site-wide cache,
/// driven through each framework adapter (Hummingbird's `CachingResponder`,
/// Vapor's `CachingMiddleware`), so the two are held to the same cases.
///
/// A case is a sequence of requests; a step's expectations may refer to an
/// earlier step's reply (its body, or one of its fields).
public struct DemoSiteCase: Sendable, CustomStringConvertible {
    /// A field expectation.
    public enum Field: Sendable {
        /// Exactly this value.
        case equals(String)
        /// Containing this text.
        case contains(String)
        /// Not containing this text (or absent).
        case lacks(String)
        /// Absent.
        case absent
        /// Present, with any value.
        case present
        /// The value the same field had in an earlier step's reply.
        case sameAsStep(Int)
    }

    /// A body expectation.
    public enum Body: Sendable {
        /// Anything.
        case any
        /// Empty.
        case empty
        /// Containing this text.
        case contains(String)
        /// Exactly an earlier step's body.
        case sameAsStep(Int)
    }

    /// A request field's value: fixed, or copied from an earlier step's reply.
    public enum Value: Sendable {
        /// This value.
        case text(String)
        /// The value of `field` in step `step`'s reply.
        case field(step: Int, String)
    }

    /// One request and what its reply must be.
    public struct Step: Sendable {
        /// The method.
        public var method: HTTPRequest.Method
        /// The path and query.
        public var path: String
        /// Request fields.
        public var fields: [(String, Value)]
        /// The status the reply must have.
        public var status: Int
        /// Fields of the reply.
        public var expect: [(String, Field)]
        /// The body of the reply.
        public var body: Body

        /// A GET step.
        public init(
            _ path: String, fields: [(String, Value)] = [], status: Int = 200, expect: [(String, Field)] = [], body: Body = .any
        ) {
            self.init(.get, path, fields: fields, status: status, expect: expect, body: body)
        }

        /// A step.
        public init(
            _ method: HTTPRequest.Method, _ path: String, fields: [(String, Value)] = [], status: Int = 200,
            expect: [(String, Field)] = [], body: Body = .any
        ) {
            self.method = method
            self.path = path
            self.fields = fields
            self.status = status
            self.expect = expect
            self.body = body
        }
    }

    /// What the case shows.
    public var name: String
    /// The page-cache modes (`django`, `shared`) it holds in.
    public var modes: Set<String>
    /// The requests, in order.
    public var steps: [Step]

    /// A case.
    public init(_ name: String, modes: Set<String> = ["django", "shared"], _ steps: [Step]) {
        self.name = name
        self.modes = modes
        self.steps = steps
    }

    /// The name, for test output.
    public var description: String { name }

    /// Sends the steps through `send` and returns every failed expectation
    /// (empty: the case holds).
    public func run(
        _ send: (HTTPRequest.Method, String, HTTPFields) async throws -> SiteReply
    ) async throws -> [String] {
        var replies: [SiteReply] = []
        var failures: [String] = []
        for (index, step) in steps.enumerated() {
            var fields = HTTPFields()
            for (name, value) in step.fields {
                guard let fieldName = HTTPField.Name(name) else { continue }
                switch value {
                case .text(let text): fields.append(HTTPField(name: fieldName, value: text))
                case .field(let earlier, let source):
                    if let name = HTTPField.Name(source), let text = replies[earlier].fields[name] {
                        fields.append(HTTPField(name: fieldName, value: text))
                    } else {
                        failures.append("step \(index): step \(earlier) has no \(source) to send")
                    }
                }
            }
            let reply = try await send(step.method, step.path, fields)
            let label = "step \(index) (\(step.method) \(step.path))"
            if reply.status != step.status { failures.append("\(label): status \(reply.status), expected \(step.status)") }
            for (name, expectation) in step.expect {
                guard let fieldName = HTTPField.Name(name) else { continue }
                let value = reply.fields[fieldName]
                switch expectation {
                case .equals(let expected) where value != expected:
                    failures.append("\(label): \(name) is \(value ?? "absent"), expected \(expected)")
                case .contains(let text) where !(value ?? "").contains(text):
                    failures.append("\(label): \(name) is \(value ?? "absent"), expected to contain \(text)")
                case .lacks(let text) where (value ?? "").contains(text):
                    failures.append("\(label): \(name) is \(value ?? "absent"), expected not to contain \(text)")
                case .absent where value != nil:
                    failures.append("\(label): \(name) is \(value ?? ""), expected absent")
                case .present where value == nil:
                    failures.append("\(label): \(name) is absent")
                case .sameAsStep(let earlier) where value != replies[earlier].fields[fieldName]:
                    failures.append("\(label): \(name) is \(value ?? "absent"), step \(earlier) had \(replies[earlier].fields[fieldName] ?? "none")")
                default: break
                }
            }
            switch step.body {
            case .any: break
            case .empty where !reply.body.isEmpty: failures.append("\(label): body of \(reply.body.count) bytes, expected none")
            case .contains(let text) where !reply.text.contains(text): failures.append("\(label): body lacks \(text)")
            case .sameAsStep(let earlier) where reply.body != replies[earlier].body:
                failures.append("\(label): body differs from step \(earlier)'s")
            default: break
            }
            replies.append(reply)
        }
        return failures
    }
}

extension DemoSiteCase {
    /// Basic credentials of a user named `name`.
    static func basic(_ name: String) -> Value { .text("Basic " + base64(name + ":x")) }

    private static func base64(_ text: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let bytes = Array(text.utf8)
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<4 {
                output.append(position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return output
    }

    /// Every case with each page-cache mode it holds in: the arguments of
    /// each adapter's parameterized test.
    public static var runs: [(DemoSiteCase, HTTPCacheSettings.Mode)] {
        all.flatMap { entry in [HTTPCacheSettings.Mode.django, .shared].filter { entry.modes.contains($0.rawValue) }.map { (entry, $0) } }
    }

    /// The never-cache headers of Django's `never_cache`.
    static let neverCache = "max-age=0, no-cache, no-store, must-revalidate, private"

    /// The cases, each run on a fresh cache by both adapters, with the
    /// settings' debug headers on (`X-Cache` in django mode, `Cache-Status`
    /// in shared mode).
    public static let all: [DemoSiteCase] = [
        DemoSiteCase("a page is stored, then served from the cache", modes: ["django"], [
            Step("/site", expect: [("X-Cache", .equals("MISS"))]),
            Step("/site", expect: [("X-Cache", .equals("HIT")), ("ETag", .present)], body: .sameAsStep(0)),
        ]),
        DemoSiteCase("a cached page answers its own ETag with 304 and a failed If-Match with 412", modes: ["django"], [
            Step("/site"),
            Step("/site", expect: [("X-Cache", .equals("HIT"))]),
            Step("/site", fields: [("If-None-Match", .field(step: 1, "ETag"))], status: 304, body: .empty),
            Step("/site", fields: [("If-None-Match", .text("*"))], status: 304, body: .empty),
            Step("/site", fields: [("If-None-Match", .text("W/\"other\", *"))], status: 200),
            Step("/site", fields: [("If-Match", .text("\"other\""))], status: 412),
        ]),
        DemoSiteCase("a HEAD hit carries the stored ETag and the GET body's length, and no body", modes: ["django"], [
            Step("/site"),
            Step("/site", expect: [("X-Cache", .equals("HIT"))]),
            Step(.head, "/site", expect: [("ETag", .sameAsStep(1)), ("Content-Length", .sameAsStep(1))], body: .empty),
        ]),
        DemoSiteCase("a HEAD for a GET route is answered through it, with no body", [
            Step(.head, "/site", expect: [("Content-Length", .present)], body: .empty),
            Step("/site", body: .contains("Site-wide cached page")),
        ]),
        DemoSiteCase("never-cache pages are marked and never stored", [
            Step("/never", expect: [("Cache-Control", .equals(neverCache)), ("Expires", .present)]),
            Step("/never", expect: [("Cache-Control", .equals(neverCache)), ("X-Cache", .lacks("HIT")), ("Cache-Status", .lacks("hit"))]),
        ]),
        DemoSiteCase("private pages are not stored by the site-wide cache", [
            Step("/private", expect: [("Cache-Control", .contains("private"))]),
            Step("/private", expect: [("X-Cache", .lacks("HIT")), ("Cache-Status", .lacks("hit"))]),
        ]),
        DemoSiteCase("each Authorization gets its own copy", [
            Step("/account", fields: [("Authorization", basic("alice"))], body: .contains("Signed in as alice")),
            Step("/account", fields: [("Authorization", basic("bob"))], body: .contains("Signed in as bob")),
            Step("/account", fields: [("Authorization", basic("alice"))], body: .contains("Signed in as alice")),
            Step("/account", body: .contains("Signed in as anonymous")),
        ]),
        DemoSiteCase("one copy per Accept-Language (Vary)", [
            Step("/hello", fields: [("Accept-Language", .text("fr"))], expect: [("Vary", .contains("Accept-Language"))], body: .contains("Bonjour")),
            Step("/hello", fields: [("Accept-Language", .text("de"))], body: .contains("Hallo")),
            Step("/hello", fields: [("Accept-Language", .text("fr"))], body: .contains("Bonjour")),
        ]),
        DemoSiteCase("a condition on a dynamic route: ETag, Last-Modified and 304", [
            Step("/article", expect: [("ETag", .equals("\"article-v3\"")), ("Last-Modified", .equals("Wed, 01 Jan 2025 00:00:00 GMT"))]),
            Step("/article", fields: [("If-None-Match", .text("\"article-v3\""))], status: 304, body: .empty),
            Step("/article", fields: [("If-None-Match", .text("W/\"article-v3\""))], status: 304, body: .empty),
            Step("/article", fields: [("If-Modified-Since", .text("Wed, 01 Jan 2025 00:00:00 GMT"))], status: 304, body: .empty),
        ]),
        // A shared cache may answer If-Match from a stored response (RFC 9111
        // leaves it to the origin), so 412 is the Django mode's.
        DemoSiteCase("a condition on a dynamic route answers failed preconditions with 412", modes: ["django"], [
            Step("/article", fields: [("If-Match", .text("\"article-v2\""))], status: 412),
            Step("/article", fields: [("If-Unmodified-Since", .text("Tue, 31 Dec 2024 00:00:00 GMT"))], status: 412),
        ]),
        DemoSiteCase("a per-route cache keeps its page", [
            Step("/per-route", expect: [("Cache-Control", .contains("max-age=30"))]),
            Step("/per-route", body: .sameAsStep(0)),
        ]),
        DemoSiteCase("a shared cache stores a page with max-age and says so", modes: ["shared"], [
            Step("/per-route"),
            Step("/per-route", expect: [("Cache-Status", .contains("hit"))], body: .sameAsStep(0)),
        ]),
        DemoSiteCase("URL policies set the downstream headers, and login sets the VCL's cookie", [
            Step("/policies/per-user", expect: [("Cache-Control", .equals("max-age=100, s-maxage=60")), ("X-Hash-Cookies", .equals("messages|sessionid"))]),
            Step("/policies/all-users", expect: [("Cache-Control", .contains("s-maxage=600"))], body: .contains("same for every reader")),
            Step(.post, "/policies/login", status: 303, expect: [("Set-Cookie", .contains("isauthenticated=1; Path=/")), ("Location", .equals("/policies/all-users"))]),
        ]),
        DemoSiteCase("a malformed session cookie is 400; logout deletes the VCL's cookie", [
            Step("/policies/per-user", fields: [("Cookie", .text("sessionid=123"))], status: 400, body: .contains("User has an invalid sessionid")),
            Step(.post, "/policies/logout", status: 303, expect: [("Set-Cookie", .contains("isauthenticated="))]),
        ]),
        DemoSiteCase("a cached template fragment inside an uncached page", [
            Step("/fragment", expect: [("Cache-Control", .equals("no-cache"))], body: .contains("Sidebar (news)")),
            Step("/fragment?section=sport", body: .contains("Sidebar (sport)")),
        ]),
        DemoSiteCase("a tagged page is dropped by invalidate(tags:); others stay, and Cache-Tag goes downstream", modes: ["django"], [
            Step("/products/42", expect: [("X-Cache", .equals("MISS")), ("Cache-Tag", .equals("product:42 products"))]),
            Step("/products/42", expect: [("X-Cache", .equals("HIT")), ("Cache-Tag", .equals("product:42 products"))], body: .sameAsStep(0)),
            Step("/products/43", expect: [("X-Cache", .equals("MISS"))]),
            Step("/products/43", expect: [("X-Cache", .equals("HIT"))]),
            Step(.post, "/products/42/invalidate", body: .contains("invalidated")),
            Step("/products/42", expect: [("X-Cache", .equals("MISS"))]),
            Step("/products/42", expect: [("X-Cache", .equals("HIT"))]),
            Step("/products/43", expect: [("X-Cache", .equals("HIT"))], body: .sameAsStep(3)),
        ]),
        DemoSiteCase("shared mode: a tagged page is dropped by invalidate(tags:); others stay", modes: ["shared"], [
            Step("/products/42", expect: [("Cache-Status", .lacks("hit")), ("Cache-Tag", .equals("product:42 products"))]),
            Step("/products/42", expect: [("Cache-Status", .contains("hit")), ("Cache-Tag", .equals("product:42 products"))], body: .sameAsStep(0)),
            Step("/products/43", expect: [("Cache-Status", .lacks("hit"))]),
            Step("/products/43", expect: [("Cache-Status", .contains("hit"))]),
            Step(.post, "/products/42/invalidate", body: .contains("invalidated")),
            Step("/products/42", expect: [("Cache-Status", .lacks("hit"))]),
            Step("/products/42", expect: [("Cache-Status", .contains("hit"))]),
            Step("/products/43", expect: [("Cache-Status", .contains("hit"))], body: .sameAsStep(3)),
        ]),
        DemoSiteCase("getOrSet memoizes a computation", [
            Step("/fibonacci?n=10", expect: [("Cache-Control", .equals(neverCache))], body: .contains("fibonacci(10) = 55, computed")),
            Step("/fibonacci?n=10", body: .contains("fibonacci(10) = 55, read from the cache")),
        ]),
    ]
}
