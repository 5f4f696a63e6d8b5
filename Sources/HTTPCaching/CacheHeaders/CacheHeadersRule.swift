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
                "the URL pattern \"\(pattern)\" (policy \"\(policy)\", \(seconds) s) is not a valid regular expression: "
                    + Self.diagnose(pattern))
        }
        self.pattern = pattern
        self.seconds = seconds
        self.policy = policy
    }

    /// Where and why a pattern that ICU refused is wrong. ICU (behind
    /// `NSRegularExpression`) gives only "invalid value"; Swift's own regex
    /// parser explains the mistake, and the shortest prefix it refuses gives the
    /// character where the mistake shows.
    static func diagnose(_ pattern: String) -> String {
        let reason: String
        do {
            _ = try Regex(pattern)
            return "ICU rejects it; check it against ICU's regular-expression syntax"
        } catch {
            reason = "\(error)"
        }
        let characters = Array(pattern)
        var length = 1
        while length < characters.count, (try? Regex(String(characters[..<length]))) != nil { length += 1 }
        if length >= characters.count && reason.hasPrefix("expected") {
            return "\(reason) at the end of the pattern"
        }
        let position = min(length, characters.count)
        guard position > 0 else { return reason }
        return "\(reason), at character \(position) (\"\(characters[position - 1])\")"
    }

    /// Whether the pattern matches at the start of `fullPath` (Python's `re.match`).
    func matches(_ fullPath: String) -> Bool {
        let range = NSRange(fullPath.startIndex..<fullPath.endIndex, in: fullPath)
        return regex.firstMatch(in: fullPath, options: .anchored, range: range) != nil
    }
}

