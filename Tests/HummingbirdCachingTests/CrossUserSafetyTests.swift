import Caching
import CachingDemoSite
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdCaching
import HummingbirdTesting
import Testing

/// A small seeded generator (SplitMix64), so a failing run can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Many users over every cached page kind of the demo, in both page-cache
/// modes: no body ever reaches a user it was not rendered for, and no page
/// that a shared cache may keep for everyone carries one user's content.
@Suite("Cross-user safety: 10,000 randomized requests over the demo")
struct CrossUserSafetyTests {
    /// One browser: its cookies and, for some, an Authorization header.
    struct User {
        var name: String
        var cookies: [String: String] = [:]
        var authorization: String?

        var cookieHeader: String? {
            cookies.isEmpty ? nil : cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }

        /// Applies a response's Set-Cookie fields (an empty value or Max-Age=0 deletes).
        mutating func store(_ setCookies: [String]) {
            for line in setCookies {
                let pair = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard let name = parts.first?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { continue }
                let value = parts.count > 1 ? parts[1] : ""
                if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
        }
    }

    /// The runs of ASCII letters and digits in `text`.
    static func words(_ text: String) -> Set<Substring> {
        var words = Set<Substring>()
        var start: String.Index?
        for index in text.indices {
            let isWordCharacter = text[index].isASCII && (text[index].isLetter || text[index].isNumber)
            if isWordCharacter, start == nil { start = index }
            if !isWordCharacter, let begin = start { words.insert(text[begin..<index]); start = nil }
        }
        if let begin = start { words.insert(text[begin...]) }
        return words
    }

    /// The names the account page says are signed in (`Signed in as NAME.</p>`).
    static func signedInNames(_ text: String) -> [String] {
        text.split(separator: "Signed in as ").dropFirst().compactMap { rest in
            rest.range(of: ".</p>").map { String(rest[..<$0.lowerBound]) }
        }
    }

    static let pages = [
        "/site", "/per-route", "/account", "/hello", "/private", "/never", "/article", "/fragment",
        "/policies/all-users", "/policies/anonymous-only", "/policies/anonymous-and-authenticated", "/policies/per-user",
    ]

    @Test("no body is served to the wrong user, and shareable pages carry no user's content", arguments: [HTTPCacheSettings.Mode.django, .shared])
    func randomized(_ mode: HTTPCacheSettings.Mode) async throws {
        let caches = try isolatedCaches()
        let router = try DemoSite(caches: caches).router()
        let responder = try CachingResponder(router.buildResponder(), settings: HTTPCacheSettings(mode: mode, debugHeaders: true), caches: caches)
        let requests = 10_000
        let (failures, served) = try await Application(responder: responder).test(.router) { client -> ([String], Int) in
            var generator = SplitMix64(state: 2026)
            var users: [User] = (0..<24).map { index in
                var user = User(name: "user-\(index)")
                if index % 2 == 0 { user.cookies["sessionid"] = "session\(index)x\(UInt32.random(in: 1...UInt32.max, using: &generator))" }
                if index % 3 == 0 { user.authorization = "Basic " + Data("user-\(index):secret".utf8).base64EncodedString() }
                return user
            }
            // Every session id ever given out, and whose it is.
            var owners: [String: Int] = [:]
            for (index, user) in users.enumerated() { if let session = user.cookies["sessionid"] { owners[session] = index } }
            let names = Set(users.map(\.name))
            var failures: [String] = []
            var served = 0

            for _ in 0..<requests {
                let index = Int.random(in: 0..<users.count, using: &generator)
                var headers: HTTPFields = [:]
                if let cookie = users[index].cookieHeader { headers[.cookie] = cookie }
                if let authorization = users[index].authorization { headers[.authorization] = authorization }
                let roll = Int.random(in: 0..<100, using: &generator)
                if roll < 3 {
                    let response = try await client.execute(uri: roll < 2 ? "/policies/login" : "/policies/logout", method: .post, headers: headers)
                    users[index].store(response.headers[values: .setCookie])
                    if let session = users[index].cookies["sessionid"] { owners[session] = index }
                    continue
                }
                let page = Self.pages[Int.random(in: 0..<Self.pages.count, using: &generator)]
                let response = try await client.execute(uri: page, method: .get, headers: headers)
                served += 1
                let body = String(buffer: response.body)
                // Session ids are letters and digits, so each one the page shows
                // is one of its runs of letters and digits: a set lookup per
                // session, not a search of the body (a search per session per
                // request kept a thread of the shared pool busy for seconds and
                // starved the tests running beside this one).
                let words = Self.words(body)
                for (session, owner) in owners where owner != index && words.contains(Substring(session)) {
                    failures.append("\(page): \(users[index].name) got \(users[owner].name)'s session")
                }
                for name in Self.signedInNames(body) where name != users[index].name && names.contains(name) {
                    failures.append("\(page): \(users[index].name) got \(name)'s account page")
                }
                // A page a shared cache may keep for everyone (s-maxage) and whose
                // Varnish hash does not cover the session cookie must name no session.
                let cacheControl = response.headers[.cacheControl] ?? ""
                let hashed = response.headers[HTTPField.Name("X-Hash-Cookies") ?? .cookie] ?? ""
                if cacheControl.contains("s-maxage"), !hashed.contains("sessionid"),
                   let session = users[index].cookies["sessionid"], words.contains(Substring(session)) {
                    failures.append("\(page): shareable (\(cacheControl); hashed: \(hashed)) yet names \(users[index].name)'s session")
                }
                if failures.count > 20 { break }
            }
            return (failures, served)
        }
        #expect(failures.isEmpty, "\(failures.prefix(20).joined(separator: "\n"))")
        #expect(served > requests * 9 / 10)
    }
}
