/// A bad `{{#cache}}` tag, with Django's `TemplateSyntaxError` messages.
public struct FragmentTagError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, in Django's words.
    public let message: String

    /// An error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static let tooFewArguments = FragmentTagError("'cache' tag requires at least 2 arguments.")

    static func nonIntegerTimeout(_ value: String) -> FragmentTagError {
        FragmentTagError("\"cache\" tag got a non-integer timeout value: '\(value)'")
    }

    static func unknownCache(_ alias: String) -> FragmentTagError {
        FragmentTagError("Invalid cache name specified for cache tag: '\(alias)'")
    }
}
