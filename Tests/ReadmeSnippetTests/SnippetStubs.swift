import Caching
import Foundation
import HTTPCaching
import Hummingbird
import HummingbirdCaching

// The names the README's snippets use without defining them: what the text
// supposes an application already has. The snippet functions are compiled to
// check them against the API, never called, so these only need the right types.

/// Stands for a value no snippet function ever asks for at run time.
func snippetStub<Value>(_ name: String = #function) -> Value {
    preconditionFailure("the README snippets are compiled, never run (\(name))")
}

/// The application's settings.
var settings: CacheSettings { .default }

/// The application's caches.
var caches: Caches { snippetStub() }

/// The application's router.
var router: Router<BasicRequestContext> { Router() }

/// Something slow worth caching.
func buildExpensiveReport() async throws -> String { "report" }

/// A custom backend's constructor.
func MyBackend(location: String, path: String?) -> any CacheBackend { DummyCacheBackend() }

/// A signed-in user.
struct SnippetUser: Sendable {
    var id: Int
    var name: String
}

/// The current user of a template.
var user: SnippetUser { SnippetUser(id: 42, name: "ada") }

/// Renders a template part.
func renderSidebar(for user: SnippetUser) async throws -> String { "<aside>\(user.name)</aside>" }

/// An article's version, for ETags.
func articleVersion(_ request: Request, _ context: BasicRequestContext) async throws -> String? { "v1" }

/// An article's last change.
func articleDate(_ request: Request, _ context: BasicRequestContext) async throws -> Date? { Date(timeIntervalSince1970: 0) }

/// The application's own cache-headers policy.
var myPolicy: CacheHeadersPolicy { BuiltInCacheHeadersPolicies.allUsers }

/// The application's authentication, as django-cache-headers needs it.
func currentUser(_ request: Request, _ context: BasicRequestContext) async throws -> CacheHeadersUser { .anonymous }

/// A session layer (hummingbird-auth's, in a real app).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await next(request, context)
    }
}

/// The application's session middleware.
var sessionMiddleware: SessionMiddleware { SessionMiddleware() }
