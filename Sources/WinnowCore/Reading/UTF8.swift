/// Byte-level UTF-8 helpers shared by the readers, the cleaner, the tokenizer and the JSON writer.
public enum UTF8Bytes {
    /// The result of decoding one scalar: its value and how many bytes it used.
    ///
    /// An invalid sequence decodes as U+FFFD with `valid == false` and `length` the maximal invalid
    /// subpart (at least 1), as the Unicode standard recommends for replacement.
    public struct Decoded: Sendable {
        public var scalar: UInt32
        public var length: Int
        public var valid: Bool

        @inlinable
        public init(scalar: UInt32, length: Int, valid: Bool) {
            self.scalar = scalar
            self.length = length
            self.valid = valid
        }
    }

    /// Decodes the scalar starting at `p` (which must be before `end`).
    @inlinable @inline(__always)
    public static func decode(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Decoded {
        let b0 = p[0]
        if b0 < 0x80 { return Decoded(scalar: UInt32(b0), length: 1, valid: true) }
        return decodeMultibyte(p, end)
    }

    @inlinable
    static func decodeMultibyte(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Decoded {
        let b0 = p[0]
        let available = end - p
        let invalid1 = Decoded(scalar: 0xFFFD, length: 1, valid: false)
        @inline(__always) func cont(_ i: Int) -> UInt32? {
            guard i < available else { return nil }
            let b = p[i]
            return b & 0xC0 == 0x80 ? UInt32(b & 0x3F) : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            guard let c1 = cont(1) else { return invalid1 }
            return Decoded(scalar: UInt32(b0 & 0x1F) << 6 | c1, length: 2, valid: true)
        case 0xE0...0xEF:
            guard available > 1 else { return invalid1 }
            let b1 = p[1]
            let lowOK: Bool
            switch b0 {
            case 0xE0: lowOK = (0xA0...0xBF).contains(b1)
            case 0xED: lowOK = (0x80...0x9F).contains(b1)
            default: lowOK = (0x80...0xBF).contains(b1)
            }
            guard lowOK else { return invalid1 }
            guard let c2 = cont(2) else { return Decoded(scalar: 0xFFFD, length: 2, valid: false) }
            return Decoded(scalar: UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | c2, length: 3, valid: true)
        case 0xF0...0xF4:
            guard available > 1 else { return invalid1 }
            let b1 = p[1]
            let lowOK: Bool
            switch b0 {
            case 0xF0: lowOK = (0x90...0xBF).contains(b1)
            case 0xF4: lowOK = (0x80...0x8F).contains(b1)
            default: lowOK = (0x80...0xBF).contains(b1)
            }
            guard lowOK else { return invalid1 }
            guard let c2 = cont(2) else { return Decoded(scalar: 0xFFFD, length: 2, valid: false) }
            guard let c3 = cont(3) else { return Decoded(scalar: 0xFFFD, length: 3, valid: false) }
            let scalar = UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | c2 << 6 | c3
            return Decoded(scalar: scalar, length: 4, valid: true)
        default:
            return invalid1
        }
    }

    /// Where the valid UTF-8 from `p` ends: `end`, or the start of the first invalid sequence. ASCII is
    /// skipped 16 bytes at a time, other text checked 64 bytes at a time (`validBlockLength`).
    @inline(__always)
    static func validEnd(from p: UnsafePointer<UInt8>, to end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var p = p
        // Where the next 64-byte check may start: after one that failed, past the bytes it covered, which are
        // then decoded one character at a time.
        var blocksFrom = p
        while p < end {
            if end - p >= 16 {
                let v = UnsafeRawPointer(p).loadUnaligned(as: ByteMask.Bytes.self)
                let wide = ByteMask.bits(unsafeBitCast(v, to: SIMD16<Int8>.self) .< SIMD16<Int8>(repeating: 0))
                if wide == 0 {
                    p += 16
                    continue
                }
                p += wide.trailingZeroBitCount
                if p >= blocksFrom && end - p >= 80 {
                    let length = validBlockLength(p)
                    if length > 0 {
                        p += length
                        continue
                    }
                    blocksFrom = p + 64
                }
            }
            let length = validSequenceLength(p, end)
            if length == 0 { return p }
            p += length
        }
        return end
    }

    /// How many of the 64 bytes at `p` are whole valid characters when every sequence in them is valid: 64,
    /// or fewer when the last character goes on past them; 0 when any sequence is invalid, or may be (the
    /// caller then decodes one character at a time). `p` must start a character (or be an invalid byte), and
    /// 80 bytes from it must be readable.
    ///
    /// No character is decoded: bytes are classed 16 at a time into bit masks, and the continuation bytes must
    /// be exactly those the lead bytes call for (one after C0–FF, two after E0–FF, three after F0–FF), with no
    /// byte that never occurs (C0, C1, F5–FF) and no second byte out of range after E0, ED, F0 and F4
    /// (overlong forms, surrogates, past U+10FFFF). So text in other scripts is checked without a branch per
    /// character.
    @inline(__always)
    static func validBlockLength(_ p: UnsafePointer<UInt8>) -> Int {
        typealias Bytes = ByteMask.Bytes
        var continuations: UInt64 = 0
        var leads: UInt64 = 0
        var long: UInt64 = 0
        var longest: UInt64 = 0
        var wrong = ByteMask.Lanes(repeating: false)
        for k in 0..<4 {
            let v = UnsafeRawPointer(p + 16 * k).loadUnaligned(as: Bytes.self)
            let next = UnsafeRawPointer(p + 16 * k + 1).loadUnaligned(as: Bytes.self)
            let shift = UInt64(16 * k)
            continuations |= ByteMask.bits(v & Bytes(repeating: 0xC0) .== Bytes(repeating: 0x80)) << shift
            leads |= ByteMask.bits(v .>= Bytes(repeating: 0xC0)) << shift
            long |= ByteMask.bits(v .>= Bytes(repeating: 0xE0)) << shift
            longest |= ByteMask.bits(v .>= Bytes(repeating: 0xF0)) << shift
            wrong .|= (v &- Bytes(repeating: 0xC0)) .< Bytes(repeating: 2) .| v .>= Bytes(repeating: 0xF5)
            wrong .|= v .== Bytes(repeating: 0xE0) .& next .< Bytes(repeating: 0xA0)
            wrong .|= v .== Bytes(repeating: 0xED) .& next .>= Bytes(repeating: 0xA0)
            wrong .|= v .== Bytes(repeating: 0xF0) .& next .< Bytes(repeating: 0x90)
            wrong .|= v .== Bytes(repeating: 0xF4) .& next .>= Bytes(repeating: 0x90)
        }
        guard ByteMask.bits(wrong) == 0 else { return 0 }
        // A character that goes on past the 64 bytes starts at the last lead byte: the block ends before it.
        var length = 64
        if (leads >> 63) | (long >> 62) | (longest >> 61) != 0 {
            length = 63 - leads.leadingZeroBitCount
        }
        let covered: UInt64 = length == 64 ? .max : (1 << UInt64(length)) &- 1
        let expected = (leads & covered) << 1 | (long & covered) << 2 | (longest & covered) << 3
        // Every character before `length` ends before it, with the continuation bytes its lead calls for.
        return expected & ~covered == 0 && (continuations ^ expected) & covered == 0 ? length : 0
    }

    /// The length of the valid sequence at `p` (before `end`), or 0 if it is not valid: `decodeMultibyte`'s
    /// verdict, the one definition of validity here.
    @inline(__always)
    static func validSequenceLength(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int {
        if p[0] < 0x80 { return 1 }
        let d = decodeMultibyte(p, end)
        return d.valid ? d.length : 0
    }

    /// The bytes from `p` to `end` that start a character (are not continuation bytes, 80–BF), 16 at a time:
    /// the characters of valid UTF-8.
    @inline(__always)
    static func characterStarts(from p: UnsafePointer<UInt8>, to end: UnsafePointer<UInt8>) -> Int {
        var p = p
        var count = 0
        while end - p >= 16 {
            let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int8>.self)
            // As signed bytes, continuation bytes are −128 to −65.
            count += 16 - ByteMask.bits(v .< SIMD16<Int8>(repeating: -64)).nonzeroBitCount
            p += 16
        }
        while p < end {
            count += p[0] & 0xC0 == 0x80 ? 0 : 1
            p += 1
        }
        return count
    }

    /// Appends `input` to `output` with every invalid sequence replaced by U+FFFD.
    ///
    /// - Returns: the number of input bytes that were invalid and replaced.
    /// - Complexity: O(n); valid runs are found 16 bytes at a time and copied in one step.
    @discardableResult
    public static func appendRepairing(_ input: UnsafeRawBufferPointer, to output: inout [UInt8]) -> Int {
        guard let raw = input.baseAddress, input.count > 0 else { return 0 }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + input.count
        var p = base
        var repaired = 0
        while p < end {
            let valid = validEnd(from: p, to: end)
            output.append(contentsOf: UnsafeBufferPointer(start: p, count: valid - p))
            guard valid < end else { break }
            let d = decodeMultibyte(valid, end)
            output.append(contentsOf: [0xEF, 0xBF, 0xBD])
            repaired += d.length
            p = valid + d.length
        }
        return repaired
    }

    /// How many bytes at the end of `input` start a character they do not finish (0 to 3): what a stream cut
    /// at an arbitrary byte leaves of its last character.
    public static func unfinishedSuffixLength(_ input: UnsafeRawBufferPointer) -> Int {
        var k = 1
        while k <= min(3, input.count) {
            let b = input[input.count - k]
            if b & 0xC0 != 0x80 {
                // The last byte that is not a continuation: a lead byte whose sequence needs more than k bytes?
                guard b >= 0xC2 && b <= 0xF4 else { return 0 }
                let needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
                return k < needed ? k : 0
            }
            k += 1
        }
        return 0
    }

    /// The number of bytes of `input` that are not part of a valid UTF-8 sequence.
    public static func invalidByteCount(_ input: UnsafeRawBufferPointer) -> Int {
        guard let raw = input.baseAddress, input.count > 0 else { return 0 }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + input.count
        var p = base
        var invalid = 0
        while p < end {
            p = validEnd(from: p, to: end)
            guard p < end else { break }
            let d = decodeMultibyte(p, end)
            invalid += d.length
            p += d.length
        }
        return invalid
    }

    /// The number of Unicode scalars in `input`, counting each invalid sequence as one (its replacement).
    public static func scalarCount(_ input: UnsafeRawBufferPointer) -> Int {
        guard let raw = input.baseAddress, input.count > 0 else { return 0 }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + input.count
        var p = base
        var count = 0
        while p < end {
            let valid = validEnd(from: p, to: end)
            count += characterStarts(from: p, to: valid)
            guard valid < end else { break }
            count += 1
            p = valid + decodeMultibyte(valid, end).length
        }
        return count
    }

    /// Appends the UTF-8 encoding of `scalar` to `output`.
    @inlinable
    public static func append(scalar: UInt32, to output: inout [UInt8]) {
        encode(scalar) { output.append($0) }
    }

    /// Hands the UTF-8 bytes of `scalar` to `put`, in order.
    @usableFromInline @inline(__always)
    static func encode(_ scalar: UInt32, _ put: (UInt8) -> Void) {
        switch scalar {
        case 0..<0x80:
            put(UInt8(scalar))
        case 0x80..<0x800:
            put(UInt8(0xC0 | scalar >> 6))
            put(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            put(UInt8(0xE0 | scalar >> 12))
            put(UInt8(0x80 | (scalar >> 6) & 0x3F))
            put(UInt8(0x80 | scalar & 0x3F))
        default:
            put(UInt8(0xF0 | scalar >> 18))
            put(UInt8(0x80 | (scalar >> 12) & 0x3F))
            put(UInt8(0x80 | (scalar >> 6) & 0x3F))
            put(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// How many bytes `scalar` takes in UTF-8.
    @inline(__always)
    static func encodedLength(_ scalar: UInt32) -> Int {
        scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
    }
}

/// The character encoding an input was stored in.
public enum TextEncoding: String, Sendable {
    case utf8 = "utf-8"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"

    /// The encoding a byte-order mark announces: UTF-16 by its BOM, UTF-8 otherwise (a UTF-8 BOM is skipped later).
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> TextEncoding {
        guard bytes.count >= 2 else { return .utf8 }
        if bytes[0] == 0xFF && bytes[1] == 0xFE { return .utf16LE }
        if bytes[0] == 0xFE && bytes[1] == 0xFF { return .utf16BE }
        return .utf8
    }

    /// Transcodes UTF-16 (after its byte-order mark) to UTF-8; unpaired surrogates and an odd last byte
    /// become U+FFFD.
    ///
    /// - Returns: the UTF-8 bytes and the number of input bytes that were invalid.
    public static func transcodeUTF16(_ bytes: UnsafeRawBufferPointer, littleEndian: Bool) -> ([UInt8], Int) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 2)
        var invalid = 0
        var i = 2
        @inline(__always) func unit(_ at: Int) -> UInt32 {
            littleEndian ? UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 : UInt32(bytes[at]) << 8 | UInt32(bytes[at + 1])
        }
        while i + 1 < bytes.count {
            let u = unit(i)
            i += 2
            if u < 0xD800 || u > 0xDFFF {
                UTF8Bytes.append(scalar: u, to: &out)
            } else if u <= 0xDBFF, i + 1 < bytes.count, (0xDC00...0xDFFF).contains(unit(i)) {
                let low = unit(i)
                i += 2
                UTF8Bytes.append(scalar: 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00), to: &out)
            } else {
                UTF8Bytes.append(scalar: 0xFFFD, to: &out)
                invalid += 2
            }
        }
        if i < bytes.count {
            UTF8Bytes.append(scalar: 0xFFFD, to: &out)
            invalid += 1
        }
        return (out, invalid)
    }
}

/// An input with its container and encoding undone: gzip or zstd decompressed, UTF-16 transcoded to UTF-8.
public struct DecodedInput: Sendable {
    public var compression: Compression
    public var encoding: TextEncoding
    /// The UTF-8 bytes, or nil when they are the input itself (not compressed, not UTF-16): no copy is made.
    public var bytes: [UInt8]?

    /// Undoes gzip or zstd (within `limits`) and UTF-16 (announced by its byte-order mark).
    ///
    /// - Throws: `InputError.gzip` or `.zstd` for a corrupt, truncated or oversized stream.
    public static func decode(_ input: UnsafeRawBufferPointer, limits: InflateLimits) throws(InputError) -> DecodedInput {
        var decoded = DecodedInput(compression: Compression.detect(input), encoding: .utf8, bytes: nil)
        switch decoded.compression {
        case .gzip:
            do throws(GzipError) {
                decoded.bytes = try GzipDecoder.decompress(input, limits: limits)
            } catch {
                throw .gzip(error)
            }
        case .zstd:
            do throws(ZstdError) {
                decoded.bytes = try ZstdDecoder.decompress(input, limits: limits)
            } catch {
                throw .zstd(error)
            }
        case .none:
            break
        }
        let text = decoded.bytes.map { bytes in bytes.withUnsafeBytes { TextEncoding.detect($0) } } ?? TextEncoding.detect(input)
        decoded.encoding = text
        if text != .utf8 {
            let transcode = { (raw: UnsafeRawBufferPointer) in TextEncoding.transcodeUTF16(raw, littleEndian: text == .utf16LE).0 }
            decoded.bytes = decoded.bytes.map { $0.withUnsafeBytes(transcode) } ?? transcode(input)
        }
        return decoded
    }
}

/// The high bit of each byte of `w` that equals `byte` (exact: no borrow between bytes). The hot loops
/// (word ends, line splits, JSON strings) test eight bytes at a time with it.
@inlinable @inline(__always)
func byteEqualBits(_ w: UInt64, _ byte: UInt8) -> UInt64 {
    let x = w ^ (0x0101_0101_0101_0101 &* UInt64(byte))
    let t = ((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x
    return ~t & 0x8080_8080_8080_8080
}
