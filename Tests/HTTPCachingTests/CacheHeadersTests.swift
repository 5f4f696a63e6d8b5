import Caching
import Foundation
import HTTPCaching
import HTTPTypes
import Testing

/// The package's own test settings: browser seconds 100, timeout 600 for every policy.
func packageSettings(tampering: Bool = false) throws -> CacheHeadersConfiguration {
    let special: CacheHeadersPolicy = { fields, context in
        fields[HTTPField.Name("X-Is-Special-User") ?? .via] = context.user.name == "user" ? "1" : "0"
        fields[.vary] = "Accept-Encoding,X-Is-Special-User"
    }
    let json = """
        {"cacheHeaders": {"browserCacheSeconds": 100, "enableTamperingChecks": \(tampering), "timeouts": {
          "all-users": {"600": ["^/all-users/"]}, "anonymous-only": {"600": ["^/anonymous-only/"]},
          "anonymous-and-authenticated": {"600": ["^/anonymous-and-authenticated/"]}, "per-user": {"600": ["^/per-user/"]},
          "custom-policy": {"600": ["^/custom-policy/"]}}}}
        """
    let document = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    return try CacheHeadersConfiguration(document: document, policies: ["custom-policy": special])
}

let loggedIn = CacheHeadersUser(isAuthenticated: true, name: "user")
let now = 1_468_749_600.0

func process(
    _ path: String, user: CacheHeadersUser = .anonymous, cookies: String? = nil, method: HTTPRequest.Method = .get,
    status: HTTPResponse.Status = .ok, responseFields: HTTPFields = [:], event: CacheHeaders.AuthEvent? = nil,
    messages: Bool = false, tampering: Bool = false
) throws -> (CacheHeaders.Outcome, HTTPFields) {
    var requestFields = HTTPFields()
    if let cookies { requestFields[.cookie] = cookies }
    let request = HTTPRequest(method: method, scheme: "http", authority: "testserver", path: path, headerFields: requestFields)
    var response = HTTPResponse(status: status, headerFields: responseFields)
    let logic = CacheHeaders(configuration: try packageSettings(tampering: tampering))
    let outcome = logic.process(request, response: &response, user: user, event: event, hasMessages: messages, now: now)
    return (outcome, response.headerFields)
}

extension HTTPField.Name {
    static let hashCookies = HTTPField.Name("X-Hash-Cookies") ?? .via
    static let accelExpires = HTTPField.Name("X-Accel-Expires") ?? .via
}

@Suite("URL-policy cache headers (spec §10)")
struct CacheHeadersTests {
    @Test("all-users: the cacheable set for anonymous and logged-in users", arguments: [CacheHeadersUser.anonymous, loggedIn])
    func allUsers(_ user: CacheHeadersUser) throws {
        let cookies = user.isAuthenticated ? "sessionid=abcdefgh123; isauthenticated=1" : nil
        let (outcome, fields) = try process("/all-users/", user: user, cookies: cookies)
        #expect(outcome == .respond)
        #expect(fields[.cacheControl] == "max-age=100, s-maxage=600")
        #expect(fields[.accelExpires] == "600")
        #expect(fields[.lastModified] == "Sun, 17 Jul 2016 10:00:00 GMT")
        #expect(fields[.vary] == "Accept-Encoding,Cookie")
        #expect(fields[.hashCookies] == "messages")
    }

    @Test("anonymous-only: cacheable when anonymous, no-cache when logged in")
    func anonymousOnly() throws {
        let (_, anonymous) = try process("/anonymous-only/")
        #expect(anonymous[.cacheControl] == "max-age=100, s-maxage=600")
        #expect(anonymous[.hashCookies] == "messages|isauthenticated")
        let (_, user) = try process("/anonymous-only/", user: loggedIn)
        #expect(user[.cacheControl] == "no-cache")
        #expect(user[.lastModified] == nil)
        #expect(user[.accelExpires] == nil)
        #expect(user[.hashCookies] == "messages|isauthenticated")
        #expect(user[.vary] == "Accept-Encoding,Cookie")
    }

    @Test("anonymous-and-authenticated and per-user: identical headers in both states")
    func perStatePolicies() throws {
        let (_, anonymous) = try process("/anonymous-and-authenticated/")
        let (_, user) = try process("/anonymous-and-authenticated/", user: loggedIn)
        #expect(anonymous == user)
        #expect(user[.hashCookies] == "messages|isauthenticated")
        let (_, perUser) = try process("/per-user/", user: loggedIn)
        #expect(perUser[.hashCookies] == "messages|sessionid")
        #expect(try process("/per-user/").1[.hashCookies] == "messages|sessionid")
    }

    @Test("custom policy: X-Is-Special-User and its Vary; Cache-Control stays no-cache")
    func customPolicy() throws {
        let (_, anonymous) = try process("/custom-policy/")
        #expect(anonymous[HTTPField.Name("X-Is-Special-User") ?? .via] == "0")
        let (_, user) = try process("/custom-policy/", user: loggedIn)
        #expect(user[HTTPField.Name("X-Is-Special-User") ?? .via] == "1")
        #expect(user[.vary]?.contains("X-Is-Special-User") == true)
        #expect(user[.cacheControl] == "no-cache")
    }

    @Test("no rule, non-200, an explicit Cache-Control, POST and Set-Cookie")
    func untouched() throws {
        #expect(try process("/elsewhere/").1[.cacheControl] == "no-cache")
        #expect(try process("/all-users/", status: .notFound).1[.cacheControl] == nil)
        #expect(try process("/all-users/", responseFields: [.cacheControl: "max-age=1"]).1[.cacheControl] == "max-age=1")
        #expect(try process("/all-users/", method: .post).1[.cacheControl] == "no-cache")
        #expect(try process("/all-users/", responseFields: [.setCookie: "a=b"]).1[.cacheControl] == "no-cache")
        #expect(try process("/all-users/", user: .anonymous).1[.cacheControl] == "max-age=100, s-maxage=600")
    }

    @Test("login and logout set and delete isauthenticated and answer no-cache; the next GET is cacheable")
    func authStates() throws {
        let (_, login) = try process("/all-users/", user: loggedIn, method: .post, event: .loggedIn(sessionExpiry: nil))
        #expect(login[.setCookie] == "isauthenticated=1; Path=/")
        #expect(login[.cacheControl] == "no-cache")
        let (_, expiring) = try process("/all-users/", user: loggedIn, event: .loggedIn(sessionExpiry: now + 60))
        #expect(expiring[.setCookie] == "isauthenticated=1; Path=/; expires=Sun, 17 Jul 2016 10:01:00 GMT")
        let (_, logout) = try process("/all-users/", event: .loggedOut)
        #expect(logout[.setCookie]?.hasPrefix("isauthenticated=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT") == true)
        #expect(logout[.cacheControl] == "no-cache")
        #expect(try process("/all-users/", user: loggedIn, cookies: "sessionid=abcdefgh123; isauthenticated=1").1[.cacheControl]
            == "max-age=100, s-maxage=600")
    }

    @Test("tampering: a bogus session cookie is 400; checks on: wrong isauthenticated cookies are 400")
    func tampering() throws {
        #expect(try process("/all-users/", cookies: "sessionid=123").0 == .badRequest("User has an invalid sessionid"))
        #expect(try process("/all-users/", cookies: "isauthenticated=1", tampering: true).0
            == .badRequest("User is anonymous but sent an isauthenticated cookie"))
        #expect(try process("/all-users/", user: loggedIn, cookies: "sessionid=abcdefgh123", tampering: true).0
            == .badRequest("User is authenticated, but did not send valid isauthenticated cookie"))
        #expect(try process("/all-users/", user: loggedIn, cookies: "sessionid=abcdefgh123; isauthenticated=1", tampering: true).0 == .respond)
    }

    @Test("flash messages redirect with dch-uuid once; the redirected URL stays no-cache")
    func messages() throws {
        let (outcome, _) = try process("/all-users/?page=2", messages: true)
        guard case .redirect(let location) = outcome else { Issue.record("expected a redirect"); return }
        #expect(location.hasPrefix("/all-users/?page=2&dch-uuid="))
        #expect(try process(location, messages: true).1[.cacheControl] == "no-cache")
    }

    @Test("rules: longest pattern first, anchored at the start of path+query")
    func ruleOrder() throws {
        let configuration = try CacheHeadersConfiguration(rules: [
            CacheHeadersRule(pattern: "^/a/", seconds: 10, policy: "all-users"),
            CacheHeadersRule(pattern: "^/a/b/", seconds: 20, policy: "per-user"),
            CacheHeadersRule(pattern: "x", seconds: 30, policy: "all-users"),
        ])
        #expect(configuration.rule(for: "/a/b/c")?.seconds == 20)
        #expect(configuration.rule(for: "/a/c")?.seconds == 10)
        #expect(configuration.rule(for: "/ax") == nil)
        #expect(configuration.rule(for: "x/y")?.seconds == 30)
    }

    @Test("bad settings name the rule: invalid regex, unknown policy")
    func badSettings() throws {
        #expect(throws: CacheConfigurationError.self) { try CacheHeadersRule(pattern: "^/(unclosed", seconds: 1, policy: "all-users") }
        do {
            _ = try CacheHeadersConfiguration(rules: [CacheHeadersRule(pattern: "^/x/", seconds: 1, policy: "nobody")])
            Issue.record("expected an error")
        } catch let error as CacheConfigurationError {
            #expect(error.message.contains("\"^/x/\""))
            #expect(error.message.contains("\"nobody\""))
        }
    }

    @Test("generate-vcl: one branch per rule with its policy's Hash-Cookies")
    func vcl() throws {
        let vcl = CacheHeaders(configuration: try packageSettings()).varnishHashVCL()
        #expect(vcl.hasPrefix("sub vcl_hash {"))
        #expect(vcl.contains("if (req.url ~ {\"^/anonymous-and-authenticated/\"}) {\n        set req.http.Hash-Cookies = \"messages|isauthenticated\";"))
        #expect(vcl.contains("else if (req.url ~ {\"^/per-user/\"}) {\n        set req.http.Hash-Cookies = \"messages|sessionid\";"))
        #expect(vcl.contains("hash_data(req.http.Hash-Value);"))
    }
}
