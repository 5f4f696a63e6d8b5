/// Sizes of power-of-two tables: the memory store's shards and the frequency
/// sketch, which pick a slot with a mask instead of a division.
extension Int {
    /// The smallest power of two at or above this positive number.
    var nextPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}
