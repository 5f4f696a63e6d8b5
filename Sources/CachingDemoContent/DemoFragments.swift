import Foundation

/// The demo's cached template fragment: a Mustache page whose sidebar is a
/// `{{#cache}}` section (MustacheCaching), the same in both demos.
public enum DemoFragments {
    /// The template: the main column renders each time, the sidebar every 30 s.
    public static let template = """
        <p>The main column renders on every request: {{now}}.</p>
        <aside style="border:1px solid #888;padding:0 1em">
        {{#cache}}30 sidebar {{section}}
        <h2>Sidebar ({{section}})</h2><p>Rendered at {{sidebarTime}}; cached for 30 s by <code>{{=<% %>=}}{{#cache}}30 sidebar {{section}}<%={{ }}=%></code>.</p>
        {{/cache}}
        </aside>
        """

    /// The template's values for a request: `section` from the query (`news` by default).
    public static func values(query: String?) -> [String: String] {
        let now = Date().formatted(.iso8601)
        return ["now": now, "section": DemoPages.queryValue("section", in: query) ?? "news", "sidebarTime": now]
    }

    /// The rendered template in a page.
    public static func page(_ rendered: String) -> String {
        DemoPages.html(title: "Cached fragment", body: rendered)
    }
}
