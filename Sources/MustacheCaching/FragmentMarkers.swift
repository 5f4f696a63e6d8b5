/// The markers a rendering pass leaves in its output, in Unicode private-use
/// characters that templates do not produce.
enum FragmentMarkers {
    static let headerOpen = "\u{F8F0}", headerClose = "\u{F8F1}"
    static let hitOpen = "\u{F8F2}", hitClose = "\u{F8F3}"
    static let bodyOpen = "\u{F8F4}", bodyEnd = "\u{F8F5}", bodyClose = "\u{F8F6}"

    static func header(_ header: String) -> String { headerOpen + header + headerClose }
    static func hit(_ index: Int) -> String { hitOpen + String(index) + hitClose }
    static func body(_ body: String, index: Int) -> String {
        bodyOpen + String(index) + bodyEnd + body + bodyOpen + "/" + String(index) + bodyClose
    }

    /// The rendered headers of pass 1, in order.
    static func headers(in output: String) -> [String] {
        var headers: [String] = []
        var rest = output[...]
        while let open = rest.range(of: headerOpen), let close = rest.range(of: headerClose, range: open.upperBound..<rest.endIndex) {
            headers.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return headers
    }

    /// Pass 2's output with hits put in place and markers removed, and the
    /// rendered body of each miss by tag index.
    static func assemble(_ rendered: String, hits: [Int: String]) -> (output: String, misses: [Int: String]) {
        var output = rendered
        for (index, text) in hits {
            output = output.replacingOccurrences(of: hit(index), with: text)
        }
        var misses: [Int: String] = [:]
        while let open = output.range(of: bodyOpen),
              let end = output.range(of: bodyEnd, range: open.upperBound..<output.endIndex),
              let index = Int(output[open.upperBound..<end.lowerBound]) {
            let closing = bodyOpen + "/" + String(index) + bodyClose
            guard let close = output.range(of: closing, range: end.upperBound..<output.endIndex) else { break }
            let body = String(output[end.upperBound..<close.lowerBound])
            misses[index] = body
            output.replaceSubrange(open.lowerBound..<close.upperBound, with: body)
        }
        return (output, misses)
    }
}
