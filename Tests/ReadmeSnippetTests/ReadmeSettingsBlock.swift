/// One ```json block of the documentation: where it is and its text.
struct ReadmeSettingsBlock: Sendable {
    /// The document (`README.md`).
    var file: String
    /// The line of the block's first JSON line.
    var line: Int
    /// The block's text.
    var json: String
}
