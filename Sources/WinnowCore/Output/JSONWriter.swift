/// Writes JSON into a byte buffer, in the order the caller writes it (so key order is stable).
///
/// Strings are emitted as valid UTF-8 whatever the input: invalid sequences become U+FFFD, control
/// characters and the two JSON-special characters are escaped, and U+2028/U+2029 are escaped too so
/// the output is also valid JavaScript. Objects and arrays nest at most 64 deep.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]
    /// How many objects and arrays are open (at most 64).
    private var depth = 0
    /// Bit `d`: the object or array open at depth `d + 1` has a value, so the next one needs a comma.
    private var hasValue: UInt64 = 0

    private typealias Bytes = ByteMask.Bytes

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        open()
    }

    public mutating func endObject() {
        close()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        open()
    }

    public mutating func endArray() {
        close()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes an object key; the next value written belongs to it.
    ///
    /// Keys are static, written as they are: with an overload for `String`, a literal key would resolve to it
    /// (the default literal type) and be escaped at run time, 3 % of the pipeline.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        valueFollows()
    }

    /// A key made at run time (a language code, a count's label), escaped like any string. Named apart from
    /// `key(_:)`: a literal key must never resolve to this overload and pay for the escaping scan.
    public mutating func key(dynamic name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        valueFollows()
    }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { _ = string(UnsafeRawBufferPointer($0)) }
    }

    /// Writes a string value from UTF-8 bytes, repairing invalid sequences.
    ///
    /// - Returns: the number of invalid input bytes that were replaced.
    /// - Complexity: O(n); runs of plain ASCII are copied in one step.
    @discardableResult
    public mutating func string(_ utf8: UnsafeRawBufferPointer) -> Int {
        var repaired = 0
        // It stops at every byte that is not plain: ASCII, not a control character, quote or backslash.
        quoted(
            utf8,
            { v in
                // As signed bytes, controls and bytes outside ASCII are both below a space.
                let controlOrWide = unsafeBitCast(v, to: SIMD16<Int8>.self) .< SIMD16<Int8>(repeating: 0x20)
                return controlOrWide .| v .== Bytes(repeating: UInt8(ascii: "\"")) .| v .== Bytes(repeating: UInt8(ascii: "\\"))
            },
            { b in b < 0x20 || b >= 0x80 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") }
        ) { writer, p, end, run in
            if p[0] < 0x80 { return writer.escapeByte(at: p, run: &run) }
            let d = UTF8Bytes.decodeMultibyte(p, end)
            if d.valid && d.scalar != 0x2028 && d.scalar != 0x2029 { return p + d.length }
            writer.flush(run, p)
            if d.valid {
                writer.escapeSeparator(paragraph: d.scalar == 0x2029)
            } else {
                writer.bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                repaired += d.length
            }
            run = p + d.length
            return run
        }
        return repaired
    }

    /// Writes a string value from bytes that are valid UTF-8 (the cleaner's text): only quotes, backslashes,
    /// control characters and U+2028/U+2029 need a look, so bytes outside ASCII are copied 16 at a time too.
    /// (`string(_:)` decodes each character outside ASCII to check it; in news, with its curly quotes and
    /// dashes, that is most of the stops.) The output is what `string(_:)` writes for the same bytes.
    ///
    /// - Precondition: `utf8` is valid UTF-8 (checked in debug builds).
    public mutating func string(validUTF8 utf8: UnsafeRawBufferPointer) {
        assert(UTF8Bytes.invalidByteCount(utf8) == 0, "string(validUTF8:) given invalid UTF-8")
        // The lead byte of U+2000–U+2FFF stops it too: U+2028 and U+2029 are E2 80 A8 and E2 80 A9. Curly quotes
        // and dashes stop there as well, and go on after one byte.
        quoted(
            utf8,
            { v in
                v .< Bytes(repeating: 0x20) .| v .== Bytes(repeating: UInt8(ascii: "\"")) .| v .== Bytes(repeating: UInt8(ascii: "\\"))
                    .| v .== Bytes(repeating: 0xE2)
            },
            { b in b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == 0xE2 }
        ) { writer, p, end, run in
            if p[0] != 0xE2 { return writer.escapeByte(at: p, run: &run) }
            guard end - p >= 3 && p[1] == 0x80 && p[2] | 1 == 0xA9 else { return p + 1 }
            writer.flush(run, p)
            writer.escapeSeparator(paragraph: p[2] == 0xA9)
            run = p + 3
            return run
        }
    }

    /// Writes `utf8` as a quoted string: the runs between the bytes `special` flags are copied whole, and each
    /// such byte goes to `atStop`, which returns where the search goes on. `atStop` flushes the run before it
    /// (`flush(run, p)`) and moves `run` past what it wrote in the run's place; a byte it keeps stays in the run.
    @inline(__always)
    private mutating func quoted(
        _ utf8: UnsafeRawBufferPointer,
        _ special: (Bytes) -> ByteMask.Lanes,
        _ specialByte: (UInt8) -> Bool,
        _ atStop: (
            _ writer: inout JSONWriter,
            _ p: UnsafePointer<UInt8>,
            _ end: UnsafePointer<UInt8>,
            _ run: inout UnsafePointer<UInt8>
        ) -> UnsafePointer<UInt8>
    ) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        if let raw = utf8.baseAddress, utf8.count > 0 {
            let base = raw.assumingMemoryBound(to: UInt8.self)
            let end = base + utf8.count
            var p = base
            var run = p
            while p < end {
                p = Self.plainEnd(from: p, start: base, end: end, special, specialByte)
                guard p < end else { break }
                p = atStop(&self, p, end, &run)
            }
            flush(run, p)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The first byte from `p` (up to `end`) that `special` flags, or `end`: 16 bytes at a time, the last 16
    /// of the string read again from `end - 16` rather than byte by byte (when the string from `start` has
    /// 16); a shorter string byte by byte with `specialByte`, which must agree with `special`.
    @inline(__always)
    private static func plainEnd(
        from p: UnsafePointer<UInt8>,
        start: UnsafePointer<UInt8>,
        end: UnsafePointer<UInt8>,
        _ special: (Bytes) -> ByteMask.Lanes,
        _ specialByte: (UInt8) -> Bool
    ) -> UnsafePointer<UInt8> {
        var p = ByteMask.firstFlagged(from: p, to: end, special)
        if end - p >= 16 { return p }
        guard p < end else { return end }
        if end - start >= 16 {
            let last = end - 16
            let bits = ByteMask.bits(special(UnsafeRawPointer(last).loadUnaligned(as: Bytes.self))) >> UInt64(p - last)
            return bits == 0 ? end : p + bits.trailingZeroBitCount
        }
        while p < end && !specialByte(p[0]) { p += 1 }
        return p
    }

    /// Writes the escape of the ASCII byte at `p` in its place, after the run before it; returns where the
    /// search goes on.
    @inline(__always)
    private mutating func escapeByte(at p: UnsafePointer<UInt8>, run: inout UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        flush(run, p)
        escape(p[0])
        run = p + 1
        return run
    }

    /// Writes the escape of U+2028 (line separator) or U+2029 (paragraph separator), which JavaScript strings
    /// cannot hold raw.
    private mutating func escapeSeparator(paragraph: Bool) {
        bytes.append(contentsOf: paragraph ? Array("\\u2029".utf8) : Array("\\u2028".utf8))
    }

    @inline(__always)
    private mutating func flush(_ from: UnsafePointer<UInt8>, _ to: UnsafePointer<UInt8>) {
        if to > from { bytes.append(contentsOf: UnsafeBufferPointer(start: from, count: to - from)) }
    }

    private mutating func escape(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        default:
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigit(b >> 4), hexDigit(b & 0xF)])
        }
    }

    public mutating func int(_ value: Int) {
        separate()
        appendDecimal(value)
    }

    /// Writes a number with a fixed number of decimals (deterministic, no locale, no exponent).
    public mutating func fixed(_ value: Double, decimals: Int = 4) {
        separate()
        guard value.isFinite else {
            bytes.append(contentsOf: Array("null".utf8))
            return
        }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        if value < 0 && scaled != 0 { bytes.append(UInt8(ascii: "-")) }
        let whole = scaled / Int(scale)
        var fraction = scaled % Int(scale)
        appendDecimal(whole)
        if decimals > 0 && fraction != 0 {
            // The fraction's digits without its trailing zeros, its leading ones kept (0.05 is ".05").
            var digits = decimals
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            var place = 1
            for _ in 1..<digits { place *= 10 }
            bytes.append(UInt8(ascii: "."))
            while place > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(fraction / place % 10))
                place /= 10
            }
        }
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: Array("null".utf8))
    }

    private mutating func appendDecimal(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDecimal(-value)
            return
        }
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while n > 0 {
                d[19 - count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            }
            bytes.append(contentsOf: d[(20 - count)...])
        }
    }

    @inline(__always)
    private mutating func open() {
        precondition(depth < 64, "JSONWriter nests at most 64 objects and arrays")
        depth += 1
        hasValue &= ~(1 << UInt64(depth - 1))
    }

    @inline(__always)
    private mutating func close() {
        precondition(depth > 0, "JSONWriter: an object or array closed that was not open")
        depth -= 1
    }

    /// Writes a comma before every value of an object or array but the first.
    @inline(__always)
    private mutating func separate() {
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if hasValue & bit != 0 {
            bytes.append(UInt8(ascii: ","))
        } else {
            hasValue |= bit
        }
    }

    /// After a key: its value takes no comma.
    @inline(__always)
    private mutating func valueFollows() {
        if depth > 0 { hasValue &= ~(1 << UInt64(depth - 1)) }
    }
}
