import Foundation

/// Turns values into bytes for backends that store bytes, and back.
///
/// Replace it (``Cache/coder``, set when the cache is made) to store values in another format;
/// the default is ``DefaultCacheValueCoder``.
public protocol CacheValueCoder: Sendable {
    /// Encodes a value. Integers must be encoded as decimal ASCII digits (see
    /// ``DecimalInteger``) so that backends can increment them in place.
    func encode<Value: Encodable & Sendable>(_ value: Value) throws -> [UInt8]
    /// Decodes a value of the given type; throws ``CacheValueCoderError`` when the
    /// bytes hold another type or are not decodable.
    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value
}

/// Why a ``CacheValueCoder`` could not decode.
public enum CacheValueCoderError: Error, Sendable {
    /// The bytes hold a value of another type.
    case typeMismatch
    /// The bytes are not a valid encoding.
    case corrupt(String)
}

/// The default coder: a one-byte tag followed by the payload.
///
/// - `Int`: decimal ASCII with no tag (`-?[0-9]+`), so Redis `INCRBY`, memcached
///   `incr` and SQL arithmetic work on it, as Django's Redis serializer stores ints raw.
/// - `String`: `s` then UTF-8.
/// - `[UInt8]`: `b` then the bytes. `Data`: `d` then the bytes.
/// - anything else: `j` then JSON.
///
/// The tags are never digits or `-`, so an integer can always be told apart.
public struct DefaultCacheValueCoder: CacheValueCoder {
    /// Creates the default coder.
    public init() {}

    public func encode<Value: Encodable & Sendable>(_ value: Value) throws -> [UInt8] {
        if let int = value as? Int {
            return DecimalInteger.bytes(int)
        }
        if let string = value as? String {
            var bytes: [UInt8] = [UInt8(ascii: "s")]
            bytes.append(contentsOf: string.utf8)
            return bytes
        }
        if let raw = value as? [UInt8] {
            return [UInt8(ascii: "b")] + raw
        }
        if let data = value as? Data {
            return [UInt8(ascii: "d")] + Array(data)
        }
        let encoder = JSONEncoder()
        return [UInt8(ascii: "j")] + Array(try encoder.encode(value))
    }

    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        guard let tag = bytes.first else { throw CacheValueCoderError.corrupt("empty value") }
        let payload = bytes.dropFirst()
        switch tag {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
            guard let int = DecimalInteger.parse(bytes) else { throw CacheValueCoderError.corrupt("malformed integer") }
            if let value = int as? Value { return value }
            return try decodeJSON(type, Array(bytes))
        case UInt8(ascii: "s"):
            let string = String(decoding: payload, as: UTF8.self)
            if let value = string as? Value { return value }
            return try decodeJSON(type, Array(try JSONEncoder().encode(string)))
        case UInt8(ascii: "b"):
            if let value = Array(payload) as? Value { return value }
            if let value = Data(payload) as? Value { return value }
            throw CacheValueCoderError.typeMismatch
        case UInt8(ascii: "d"):
            if let value = Data(payload) as? Value { return value }
            if let value = Array(payload) as? Value { return value }
            throw CacheValueCoderError.typeMismatch
        case UInt8(ascii: "j"):
            return try decodeJSON(type, Array(payload))
        default:
            throw CacheValueCoderError.corrupt("unknown value tag \(tag)")
        }
    }

    private func decodeJSON<Value: Decodable>(_ type: Value.Type, _ json: [UInt8]) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(json))
        } catch DecodingError.dataCorrupted(let context) {
            throw CacheValueCoderError.corrupt(context.debugDescription)
        } catch is DecodingError {
            throw CacheValueCoderError.typeMismatch
        }
    }
}
