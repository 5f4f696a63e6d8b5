/// One libFuzzer input: its bytes, and the parser it is meant for.
///
/// A target that covers several parsers reads its first byte as a selector, so
/// that the fuzzer learns each one and a seed file names its parser in its first
/// character (`0` to `9`, as text: the seed corpora stay readable).
public struct FuzzInput {
    /// Every byte of the input.
    public let bytes: [UInt8]

    /// Copies the bytes libFuzzer passes.
    public init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        if let data, count > 0 {
            bytes = Array(UnsafeBufferPointer(start: data, count: count))
        } else {
            bytes = []
        }
    }

    /// The parser chosen by the first byte (`'0'` is 0), in `0..<choices`; `nil`
    /// for an empty input.
    public func selector(_ choices: Int) -> Int? {
        guard let first = bytes.first else { return nil }
        let shifted = Int(first) - Int(UInt8(ascii: "0"))
        return ((shifted % choices) + choices) % choices
    }

    /// The bytes after the selector.
    public var payload: ArraySlice<UInt8> { bytes.dropFirst() }

    /// The payload as text (invalid UTF-8 replaced, as servers' bytes are read).
    public var text: String { String(decoding: payload, as: UTF8.self) }
}
