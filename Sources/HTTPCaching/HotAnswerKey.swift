import Synchronization

/// Everything a hot-tier answer depends on besides the request it answers:
/// two requests whose lookups give equal keys get byte-for-byte the same
/// answer, so a connection may write its previous answer again instead of
/// building it (``SharedHTTPCache/hotAnswer(_:unlessSameAs:)``).
///
/// Why: building an answer copies the stored header fields to set `Age`,
/// frames them and stamps `Date`; a connection answering the same page many
/// times a second repeats that work for an identical result. The key is only
/// given for answers that depend on nothing else in the request (no
/// `If-None-Match` or `If-Modified-Since`, which the rules evaluate per request).
public struct HotAnswerKey: Hashable, Sendable {
    /// The hot copy of the stored variant: a new one each time the tier is
    /// filled, so a replaced or refreshed response never matches an old key.
    let variant: UInt64
    /// The `Age` value, in whole seconds.
    let age: Int
    /// The `ttl` of `Cache-Status`, in whole seconds (0 when it is not sent).
    let ttl: Int
    /// A HEAD answer (no body, the length a GET would get).
    let isHead: Bool

    /// The identity of the next hot copy of a variant.
    static func nextVariant() -> UInt64 {
        counter.add(1, ordering: .relaxed).newValue
    }

    private static let counter = Atomic<UInt64>(0)
}

/// What ``SharedHTTPCache/hotAnswer(_:unlessSameAs:)`` found.
public enum HotAnswerLookup: Sendable {
    /// The answer is the one the caller's key stands for: write that again.
    case unchanged
    /// A new answer; `key` (when not `nil`) is what it depends on, for the
    /// next lookup on the connection.
    case answer(HotAnswer, key: HotAnswerKey?)
}
