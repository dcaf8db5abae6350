#if arch(x86_64)
import CSIMD
#endif

/// Classes of 16 bytes at a time, folded into one bit per byte: the tokenizer's and the cleaner's 64-byte
/// blocks, and the line splitter's search for line ends.
enum ByteMask {
    typealias Bytes = SIMD16<UInt8>
    typealias Lanes = SIMDMask<SIMD16<Int8>>

    /// One bit per lane of `mask`, lane 0 in bit 0: SSE2's byte mask on x86-64, elsewhere each half's top
    /// bits gathered by one multiplication.
    @inline(__always)
    static func bits(_ mask: Lanes) -> UInt64 {
        #if arch(x86_64)
        let bytes = Bytes(repeating: 0).replacing(with: 0xFF, where: mask)
        return UInt64(truncatingIfNeeded: UInt16(truncatingIfNeeded: winnow_byte_mask(unsafeBitCast(bytes, to: SIMD2<Int64>.self))))
        #else
        let bytes = Bytes(repeating: 0).replacing(with: 0x80, where: mask)
        let halves = unsafeBitCast(bytes, to: (UInt64, UInt64).self)
        let low = (halves.0 &* 0x0002_0408_1020_4081) >> 56
        let high = (halves.1 &* 0x0002_0408_1020_4081) >> 56
        return low | high << 8
        #endif
    }

    /// The first byte from `p` that `flagged` marks, looked for 16 bytes at a time; where fewer than 16 bytes are
    /// left before `end` and none was marked, the first of those (the caller looks at them itself). The searches
    /// past plain bytes (JSON strings read and written, markup, stretches of other scripts) share it.
    @inline(__always)
    static func firstFlagged(
        from p: UnsafePointer<UInt8>,
        to end: UnsafePointer<UInt8>,
        _ flagged: (Bytes) -> Lanes
    ) -> UnsafePointer<UInt8> {
        var p = p
        while end - p >= 16 {
            let marked = bits(flagged(UnsafeRawPointer(p).loadUnaligned(as: Bytes.self)))
            if marked != 0 { return p + marked.trailingZeroBitCount }
            p += 16
        }
        return p
    }
}

extension UInt64 {
    /// The bits rotated left by `n` (1 to 63): one instruction.
    @inline(__always)
    func rotatedLeft(by n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
