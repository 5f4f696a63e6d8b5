import Caching

/// One `{{#cache}}` tag's arguments, read from its first line once Mustache has
/// rendered it: `<timeout> <name> [vary values ...] [using="alias"]`.
struct FragmentTag: Equatable {
    var timeout: CacheTimeout
    var name: String
    var varyOn: [String]
    var alias: String?

    /// Parses a rendered header as Django parses the tag's tokens: at least two;
    /// the timeout `None` (forever) or an integer; `using=` only as the last of
    /// more than two tokens.
    init(header: String) throws {
        // A leading blank is a timeout expression that rendered empty (an
        // undefined variable), which Django reports as a non-integer timeout.
        if let first = header.first, first == " " || first == "\t",
           header.split(whereSeparator: { $0 == " " || $0 == "\t" }).count >= 1 {
            throw FragmentTagError.nonIntegerTimeout("")
        }
        var tokens = header.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard tokens.count >= 2 else { throw FragmentTagError.tooFewArguments }
        if tokens.count > 2, let last = tokens.last, last.hasPrefix("using=") {
            var alias = String(last.dropFirst("using=".count))
            if alias.count >= 2, let first = alias.first, first == "\"" || first == "'", alias.last == first {
                alias = String(alias.dropFirst().dropLast())
            }
            self.alias = alias
            tokens.removeLast()
        } else {
            self.alias = nil
        }
        let timeoutToken = tokens[0]
        if timeoutToken == "None" {
            timeout = .never
        } else if let seconds = Int(timeoutToken) {
            timeout = .seconds(Double(seconds))
        } else {
            throw FragmentTagError.nonIntegerTimeout(timeoutToken)
        }
        name = tokens[1]
        varyOn = Array(tokens.dropFirst(2))
    }
}
