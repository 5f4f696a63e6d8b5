import Caching
import Foundation

/// One URL rule: a regular expression, the seconds shared caches may keep
/// matching pages, and the policy that sets the headers.
public struct CacheHeadersRule: Sendable {
    /// The pattern's source, as written in the settings.
    public let pattern: String
    /// Seconds (the policy's age).
    public let seconds: Int
    /// The policy's name.
    public let policy: String
    /// ICU syntax (close to Python's `re`); immutable and safe to share.
    let regex: NSRegularExpression

    /// A rule; an invalid pattern is an error naming the rule.
    public init(pattern: String, seconds: Int, policy: String) throws {
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw CacheConfigurationError(
                "The cache-headers rule \"\(pattern)\" (policy \"\(policy)\", \(seconds) s) is not a valid regular expression: \(error)")
        }
        self.pattern = pattern
        self.seconds = seconds
        self.policy = policy
    }

    /// Whether the pattern matches at the start of `fullPath` (Python's `re.match`).
    func matches(_ fullPath: String) -> Bool {
        let range = NSRange(fullPath.startIndex..<fullPath.endIndex, in: fullPath)
        return regex.firstMatch(in: fullPath, options: .anchored, range: range) != nil
    }
}

