/// What the cleaner measures on a line that no phrase rule claimed, from its bytes alone.
///
/// The features generalise across sites and languages: length in words (ideographs count as words),
/// whether it ends like a sentence in any of several scripts, how many of its words are stopwords, how many
/// are capitalised (menus and headlines are Title Case), and separators that mark link lists.
struct LineFeatures {
    var words = 0
    var endsLikeSentence = false
    var stopwords = 0
    var capitalised = 0
    /// Words that start with a digit ("5040", "1a", "17:30").
    var numbers = 0
    var separators = 0

    /// - Parameters:
    ///   - line: the line's bytes.
    ///   - readable: how many bytes from the line's start may be read (the buffer usually goes on past the
    ///     line), so that words near the line's end are still read eight bytes at a time.
    init(_ line: UnsafeRawBufferPointer, readable: Int? = nil) {
        guard let raw = line.baseAddress, line.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + line.count
        let readableEnd = base + max(readable ?? line.count, line.count)
        let stopwordTable = PackedStopwords.shared
        Self.byteClasses.withUnsafeBufferPointer { classes in
            var p = base
            while p < end {
                let c = classes[Int(p[0])]
                if c == Self.space {
                    p += 1
                    continue
                }
                if c == Self.ideograph {
                    // CJK ideographs and kana (U+3000–U+9FFF): one word each, as they are written without spaces.
                    words += 1
                    p += min(3, end - p)
                    continue
                }
                // A word: up to the next space or ideograph. Eight bytes at a time while they are ASCII other
                // than "|" and ">": one test finds the end of most words.
                let start = p
                while readableEnd - p >= 8 {
                    let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
                    var stop = byteEqualBits(w, 0x20) | byteEqualBits(w, 0x09) | byteEqualBits(w, 0x7C)
                        | byteEqualBits(w, 0x3E) | Self.ideographLeadBits(w)
                    let left = end - p
                    if left < 8 {
                        // The bytes past the line's end stop the word too.
                        stop |= 0x8080_8080_8080_8080 & ~((1 << UInt64(8 * left)) &- 1)
                    }
                    if stop == 0 {
                        p += 8
                        continue
                    }
                    p += stop.trailingZeroBitCount >> 3
                    break
                }
                while p < end {
                    let k = classes[Int(p[0])]
                    if k == Self.plain {
                        p += 1
                    } else if k == Self.separator {
                        separators += 1
                        p += 1
                    } else {
                        break
                    }
                }
                words += 1
                if start[0] &- UInt8(ascii: "A") < 26 { capitalised += 1 }
                if start[0] &- UInt8(ascii: "0") < 10 { numbers += 1 }
                let length = p - start
                if length <= 16 && stopwordTable.contains(start, count: length, readable: readableEnd - start) { stopwords += 1 }
            }
        }
        endsLikeSentence = Self.endsLikeSentence(line)
    }

    /// The high bit of each byte of `w` from E3 to E9 (the lead bytes of U+3000–U+9FFF).
    @inline(__always)
    static func ideographLeadBits(_ w: UInt64) -> UInt64 {
        let highNibbleE = byteEqualBits(w & 0xF0F0_F0F0_F0F0_F0F0, 0xE0)
        let low = w & 0x0F0F_0F0F_0F0F_0F0F
        let atLeast3 = (low &+ 0x0D0D_0D0D_0D0D_0D0D) & 0x1010_1010_1010_1010
        let atLeast10 = (low &+ 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010
        return highNibbleE & ((atLeast3 & ~atLeast10) << 3)
    }

    private static let plain: UInt8 = 0
    private static let space: UInt8 = 1
    private static let separator: UInt8 = 2
    private static let ideograph: UInt8 = 3

    /// Space and tab end words; "|" and ">" are separators (of link lists and breadcrumbs); the lead bytes
    /// E3–E9 start the CJK characters that count as words of their own.
    private static let byteClasses: [UInt8] = (0..<256).map { b in
        switch b {
        case 0x20, 0x09: return space
        case 0x7C, 0x3E: return separator
        case 0xE3...0xE9: return ideograph
        default: return plain
        }
    }

    /// A row of a data table: a few words, at least two and a fifth of them numbers, not a sentence.
    var isTableRow: Bool { words >= 3 && words <= 20 && numbers >= 2 && numbers * 5 >= words && !endsLikeSentence }

    /// Long or sentence-like: what an article body is made of.
    var isBody: Bool { words >= 12 && endsLikeSentence || words >= 30 }

    /// Ends like a sentence and has enough words to be one.
    var isSentenceLike: Bool { (endsLikeSentence && words >= 6) || words >= 30 }

    /// The line's contribution to the main-text search: long sentence-like lines count for a lot, short
    /// lines and link lists against.
    ///
    /// - Parameter stopwordLanguage: whether the document's language has a stopword list here (its lines
    ///   use stopwords): then a long line without them is a tag cloud or a link list, not prose.
    func score(stopwordLanguage: Bool) -> Double {
        var value = baseScore
        if stopwordLanguage && words >= 10 && stopwords * 100 < words * 8 { value = min(value, -1) }
        if words >= 15 && !endsLikeSentence && capitalised * 10 >= words * 6 { value = min(value, -1) }
        return value
    }

    private var baseScore: Double {
        var value: Double
        if words >= 25 && (endsLikeSentence || words >= 40) {
            value = 3 + Double(min(words, 150)) / 10
        } else if words >= 12 && endsLikeSentence {
            value = 2 + Double(words) / 10
        } else if words >= 6 && endsLikeSentence {
            value = 0.5
        } else if words >= 6 {
            value = -0.5
        } else {
            value = endsLikeSentence ? -0.75 : -1.5
        }
        if words >= 6 && stopwords * 10 >= words * 3 { value += 0.5 }
        if words < 15 && words >= 3 && capitalised * 10 >= words * 8 { value = min(value, -1) }
        if separators >= 2 { value -= 1 }
        return value
    }

    /// Terminal punctuation of many scripts (. ! ? : 。 ！ ？ ؟ । …), before any closing quotes or brackets.
    static func endsLikeSentence(_ line: UnsafeRawBufferPointer) -> Bool {
        var i = line.count
        while i > 0 {
            let b = line[i - 1]
            // ASCII closers.
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: ")") || b == UInt8(ascii: "]") || b == 0x20 {
                i -= 1
                continue
            }
            // UTF-8 closers: ’ ” (E2 80 99, E2 80 9D), » (C2 BB), 」(E3 80 8D), ） (EF BC 89).
            if i >= 3 && line[i - 3] == 0xE2 && line[i - 2] == 0x80 && (b == 0x99 || b == 0x9D) { i -= 3; continue }
            if i >= 2 && line[i - 2] == 0xC2 && b == 0xBB { i -= 2; continue }
            if i >= 3 && line[i - 3] == 0xE3 && line[i - 2] == 0x80 && b == 0x8D { i -= 3; continue }
            if i >= 3 && line[i - 3] == 0xEF && line[i - 2] == 0xBC && b == 0x89 { i -= 3; continue }
            break
        }
        guard i > 0 else { return false }
        let b = line[i - 1]
        if b == UInt8(ascii: ".") || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") || b == UInt8(ascii: ":") { return true }
        guard i >= 2 else { return false }
        // ؟ (D8 9F), ۔ (DB 94)
        if line[i - 2] == 0xD8 && b == 0x9F { return true }
        if line[i - 2] == 0xDB && b == 0x94 { return true }
        guard i >= 3 else { return false }
        let a = line[i - 3], m = line[i - 2]
        if a == 0xE3 && m == 0x80 && b == 0x82 { return true }  // 。
        if a == 0xEF && m == 0xBC && (b == 0x81 || b == 0x9F) { return true }  // ！ ？
        if a == 0xE0 && m == 0xA5 && (b == 0xA4 || b == 0xA5) { return true }  // । ॥
        if a == 0xE2 && m == 0x80 && b == 0xA6 { return true }  // …
        return false
    }
}

