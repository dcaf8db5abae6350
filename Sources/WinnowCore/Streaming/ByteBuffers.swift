extension Array where Element == UInt8 {
    /// `count` bytes left as they are, for a buffer that is always written before it is read (a read block,
    /// zlib's output): zeroing it would cost every input a memset of the whole buffer.
    public init(unzeroedCount count: Int) {
        self.init(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// A block to read a source of `size` bytes through (unknown: nil), not zeroed: one byte more than the size,
    /// so that the source ends in one read, from 4 KiB up to `limit`. Most inputs are a few kilobytes.
    public static func readBlock(forSize size: Int?, limit: Int) -> [UInt8] {
        [UInt8](unzeroedCount: Swift.min(limit, Swift.max(4096, (size ?? limit - 1) + 1)))
    }
}
