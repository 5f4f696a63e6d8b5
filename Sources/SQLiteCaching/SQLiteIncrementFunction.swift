import Caching
import NIOCore
import SQLiteNIO

/// `swift_caching_add(value, delta)`: the SQL function that lets `increment`
/// be one `UPDATE`. It returns the new value as decimal ASCII bytes, `NULL`
/// when the stored value is not an integer, and fails the statement on overflow.
enum SQLiteIncrementFunction {
    static let name = "swift_caching_add"
    /// Text in the error that an overflow raises.
    static let overflow = "swift-caching integer overflow"

    struct Overflow: Error, CustomStringConvertible {
        var description: String { SQLiteIncrementFunction.overflow }
    }

    static func make() -> SQLiteCustomFunction {
        SQLiteCustomFunction(name, argumentCount: 2, pure: true) { arguments in
            guard arguments.count == 2, let current = integer(arguments[0]), let delta = arguments[1].integer else {
                return nil
            }
            let (result, overflowed) = current.addingReportingOverflow(Int(delta))
            if overflowed { throw Overflow() }
            return ByteBuffer(bytes: DecimalInteger.bytes(result))
        }
    }

    /// The integer a stored value holds (BLOB or TEXT of decimal digits).
    static func integer(_ data: SQLiteData) -> Int? {
        switch data {
        case .blob(let buffer): return DecimalInteger.parse(buffer.readableBytesView)
        case .text(let text): return DecimalInteger.parse(text.utf8)
        case .integer(let number): return Int(number)
        default: return nil
        }
    }
}
