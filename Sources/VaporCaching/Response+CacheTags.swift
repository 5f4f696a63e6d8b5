#if Vapor
import HTTPCaching
import HTTPTypes
import Vapor

extension Response {
    /// Declares `tags` for this response in the `Cache-Tag` field (or
    /// `name`): the page cache stores the page with them, so
    /// `invalidate(tags:)` drops it. The rule is HTTPCaching's
    /// `CacheTagHeader.set(_:in:name:)`; this only converts.
    public func setCacheTags(_ tags: [String], name: HTTPField.Name = .cacheTag) {
        var fields = HTTPFields(headers)
        CacheTagHeader.set(tags, in: &fields, name: name)
        if let value = fields[name] {
            headers.replaceOrAdd(name: name.rawName, value: value)
        } else {
            headers.remove(name: name.rawName)
        }
    }
}
#endif
