import Caching
import Foundation
import Mustache
import MustacheCaching
import Synchronization
import Testing

func fragmentCaches(_ extra: [String: CacheConfiguration] = [:]) throws -> Caches {
    var caches = ["default": CacheConfiguration(backend: "memory", location: "fragments-" + UUID().uuidString)]
    for (alias, configuration) in extra { caches[alias] = configuration }
    return try Caches(settings: CacheSettings(caches: caches))
}

/// Counts how many times a template asks for the expensive value.
final class Expensive: Sendable {
    private let calls = CacheLock(0)
    var count: Int { calls.withLock { $0 } }
    func value() -> String { calls.withLock { $0 += 1; return "expensive \($0)" } }
}

/// The object templates render: `computed` costs a call each time it is read.
struct Page: MustacheParent {
    var user: Int
    var timeout: String
    var expensive: Expensive

    func child(named name: String) -> Any? {
        switch name {
        case "user": return user
        case "timeout": return timeout
        case "computed": return expensive.value()
        default: return nil
        }
    }
}

@Suite("Template fragments (spec §9)")
struct FragmentCachingTests {
    @Test("make_template_fragment_key: Django 6.1.3's test vectors")
    func keys() {
        #expect(makeTemplateFragmentKey("a.fragment") == "template.cache.a.fragment.d41d8cd98f00b204e9800998ecf8427e")
        #expect(makeTemplateFragmentKey("foo", varyOn: ["abc"]) == "template.cache.foo.a6360ec2c58ecc4b23fd5bd00216fccd")
        #expect(makeTemplateFragmentKey("foo", varyOn: ["abc", "def"]) != makeTemplateFragmentKey("foo", varyOn: ["abcdef"]))
    }

    @Test("cache.fragment renders once; zero timeout renders every time; an empty fragment is a hit")
    func swiftAPI() async throws {
        let caches = try fragmentCaches()
        let renders = CacheLock(0)
        for _ in 0..<3 {
            _ = try await caches.fragments.fragment("sidebar", varyOn: [42], timeout: 60) { renders.withLock { $0 += 1 }; return "side" }
        }
        #expect(renders.withLock { $0 } == 1)
        for _ in 0..<2 {
            _ = try await caches.fragments.fragment("zero", timeout: 0) { renders.withLock { $0 += 1 }; return "z" }
        }
        #expect(renders.withLock { $0 } == 3)
        for _ in 0..<2 {
            _ = try await caches.fragments.fragment("empty") { renders.withLock { $0 += 1 }; return "" }
        }
        #expect(renders.withLock { $0 } == 4)
        #expect(try await caches.default.get(":1:" + makeTemplateFragmentKey("sidebar", varyOn: [42]), as: String.self) == nil)
        #expect(try await caches.default.get(makeTemplateFragmentKey("sidebar", varyOn: [42]), as: String.self) == "side")
    }

    @Test("the template_fragments alias is used when configured")
    func fragmentsAlias() throws {
        let caches = try fragmentCaches(["template_fragments": CacheConfiguration(backend: "memory", location: "tf-" + UUID().uuidString)])
        #expect(caches.fragments.alias == "template_fragments")
    }

    @Test("the Mustache tag caches a fragment: a hit does not render the body")
    func mustacheHit() async throws {
        let renderer = MustacheFragmentRenderer(caches: try fragmentCaches())
        let template = try MustacheTemplate(string: "<p>{{#cache}}500 sidebar {{user}}\n[{{computed}}]{{/cache}}</p>")
        let expensive = Expensive()
        let first = try await renderer.render(template, Page(user: 1, timeout: "500", expensive: expensive))
        let second = try await renderer.render(template, Page(user: 1, timeout: "500", expensive: expensive))
        #expect(first == "<p>[expensive 1]</p>")
        #expect(second == first)
        #expect(expensive.count == 1)
    }

    @Test("two templates share a fragment with the same name and vary values; other vary values are separate")
    func sharingAndVary() async throws {
        let renderer = MustacheFragmentRenderer(caches: try fragmentCaches())
        let cache03 = try MustacheTemplate(string: "{{#cache}}50 foo {{user}}\ncache03 {{user}}{{/cache}}")
        let cache04 = try MustacheTemplate(string: "{{#cache}}50 foo {{user}}\ncache04 {{user}}{{/cache}}")
        let expensive = Expensive()
        #expect(try await renderer.render(cache03, Page(user: 1, timeout: "", expensive: expensive)) == "cache03 1")
        #expect(try await renderer.render(cache04, Page(user: 1, timeout: "", expensive: expensive)) == "cache03 1")
        #expect(try await renderer.render(cache04, Page(user: 2, timeout: "", expensive: expensive)) == "cache04 2")
    }

    @Test("variable timeouts, zero timeout and None")
    func timeouts() async throws {
        let caches = try fragmentCaches()
        let renderer = MustacheFragmentRenderer(caches: caches)
        let template = try MustacheTemplate(string: "{{#cache}}{{timeout}} t{{timeout}}\n{{computed}}{{/cache}}")
        let zero = Expensive()
        _ = try await renderer.render(template, Page(user: 0, timeout: "0", expensive: zero))
        _ = try await renderer.render(template, Page(user: 0, timeout: "0", expensive: zero))
        #expect(zero.count == 2)
        let forever = Expensive()
        _ = try await renderer.render(template, Page(user: 0, timeout: "None", expensive: forever))
        _ = try await renderer.render(template, Page(user: 0, timeout: "None", expensive: forever))
        #expect(forever.count == 1)
    }

    @Test("bad arguments give Django's messages", arguments: [
        ("{{#cache}}500\nx{{/cache}}", "'cache' tag requires at least 2 arguments."),
        ("{{#cache}}soon name\nx{{/cache}}", "\"cache\" tag got a non-integer timeout value: 'soon'"),
        ("{{#cache}}{{undefined}} name\nx{{/cache}}", "\"cache\" tag got a non-integer timeout value: ''"),
        ("{{#cache}}500 name x using=\"nope\"\nx{{/cache}}", "Invalid cache name specified for cache tag: 'nope'"),
    ])
    func badArguments(_ text: String, _ message: String) async throws {
        let renderer = MustacheFragmentRenderer(caches: try fragmentCaches())
        let template = try MustacheTemplate(string: text)
        await #expect(throws: FragmentTagError(message)) {
            try await renderer.render(template, Page(user: 0, timeout: "", expensive: Expensive()))
        }
    }

    @Test("using= picks another cache; a nested tag renders inside its fragment")
    func usingAndNesting() async throws {
        let other = "other-" + UUID().uuidString
        let caches = try fragmentCaches(["other": CacheConfiguration(backend: "memory", location: other)])
        let renderer = MustacheFragmentRenderer(caches: caches)
        let template = try MustacheTemplate(string: "{{#cache}}60 outer {{user}} using=\"other\"\n<{{#cache}}60 inner\n{{computed}}{{/cache}}>{{/cache}}")
        let expensive = Expensive()
        #expect(try await renderer.render(template, Page(user: 7, timeout: "", expensive: expensive)) == "<expensive 1>")
        #expect(try await renderer.render(template, Page(user: 7, timeout: "", expensive: expensive)) == "<expensive 1>")
        let key = makeTemplateFragmentKey("outer", varyOn: ["7"])
        #expect(try await caches["other"].get(key, as: String.self) == "<expensive 1>")
        #expect(try await caches.default.get(key, as: String.self) == nil)
    }
}
