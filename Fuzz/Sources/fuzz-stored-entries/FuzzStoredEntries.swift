@testable import Caching
@testable import HTTPCaching
@testable import SQLiteCaching

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    0
}
