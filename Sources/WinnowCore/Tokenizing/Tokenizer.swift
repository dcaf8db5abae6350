/// The character classes the tokenizer works with.
enum CharClass: UInt8 {
    case space, letter, digit, punctuation, symbol, emoji, ideograph
    /// Combining marks, joiners and variation selectors: they extend the token before them.
    case extend
    /// Apostrophes, which join letters ("don't").
    case apostrophe
}

/// Classes of every scalar below U+3000 (Latin, Greek, Cyrillic, Arabic, Indic, punctuation, symbols), built once.
private let smallClassTable: [CharClass] = (0..<0x3000).map { classify(UInt32($0)) }

private func classify(_ value: UInt32) -> CharClass {
    guard let scalar = Unicode.Scalar(value) else { return .symbol }
    if value == 0x27 || value == 0x2019 || value == 0x02BC { return .apostrophe }
    if value == 0x200D || (0xFE00...0xFE0F).contains(value) || (0x1F3FB...0x1F3FF).contains(value)
        || (0xE0020...0xE007F).contains(value)
    {
        return .extend
    }
    let p = scalar.properties
    if p.isWhitespace || value == 0x200B || value == 0xFEFF { return .space }
    switch value {
    case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3FFFF:
        return .ideograph
    default: break
    }
    switch p.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark, .format: return .extend
    case .decimalNumber: return .digit
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .letterNumber:
        return .letter
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
        .finalPunctuation, .otherPunctuation:
        return .punctuation
    default: break
    }
    if p.isEmojiPresentation || (p.isEmoji && value > 0x2000) { return .emoji }
    return .symbol
}

@inline(__always)
func charClass(_ scalar: UInt32) -> CharClass {
    scalar < 0x3000 ? smallClassTable[Int(scalar)] : classify(scalar)
}

/// Splits UTF-8 text into word, number, punctuation, symbol, emoji and ideograph tokens.
///
/// Works on bytes with an ASCII fast path; every token is a byte range of the input. Invalid UTF-8
/// bytes become one-byte symbol tokens, so any input is tokenized and tokens never overlap.
public struct Tokenizer: Sendable {
    public init() {}

    /// Appends the tokens of `text` to `tokens` (which the caller may reuse between calls).
    ///
    /// - Complexity: O(n) in the length of `text`.
    public func tokenize(_ text: UnsafeRawBufferPointer, into tokens: inout [Token]) {
        guard let raw = text.baseAddress, text.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + text.count
        var p = base

        @inline(__always) func classAt(_ q: UnsafePointer<UInt8>) -> (CharClass, Int) {
            let b = q[0]
            if b < 0x80 { return (asciiClasses[Int(b)], 1) }
            let d = UTF8Bytes.decodeMultibyte(q, end)
            return d.valid ? (charClass(d.scalar), d.length) : (.symbol, d.length)
        }

        while p < end {
            let start = p
            let (cls, len) = classAt(p)
            p += len
            let kind: TokenKind
            switch cls {
            case .space:
                continue
            case .letter, .digit:
                var hasLetter = cls == .letter
                var hasDigit = cls == .digit
                while p < end {
                    let (next, nextLen) = classAt(p)
                    if next == .letter || next == .extend {
                        hasLetter = hasLetter || next == .letter
                        p += nextLen
                    } else if next == .digit {
                        hasDigit = true
                        p += nextLen
                    } else if p + nextLen < end {
                        // A joiner between two characters of the same sort stays inside the token:
                        // an apostrophe between letters, a point or comma between digits.
                        let (after, afterLen) = classAt(p + nextLen)
                        let b = p[0]
                        if next == .apostrophe && after == .letter && hasLetter && !hasDigit {
                            p += nextLen + afterLen
                        } else if (b == UInt8(ascii: ".") || b == UInt8(ascii: ",")) && after == .digit && hasDigit
                            && !hasLetter
                        {
                            p += nextLen + afterLen
                        } else {
                            break
                        }
                    } else {
                        break
                    }
                }
                kind = hasLetter ? (hasDigit ? .alphanumeric : .word) : .number
            case .ideograph:
                p = skipExtend(p, end)
                kind = .ideograph
            case .emoji:
                p = skipExtend(p, end)
                // Emoji joined by ZWJ form one emoji.
                while p < end, p[0] == 0xE2, end - p >= 3, p[1] == 0x80, p[2] == 0x8D {
                    p += 3
                    guard p < end else { break }
                    let (next, nextLen) = classAt(p)
                    guard next == .emoji || next == .symbol else { break }
                    p = skipExtend(p + nextLen, end)
                }
                kind = .emoji
            case .punctuation, .apostrophe:
                p = skipExtend(p, end)
                kind = .punctuation
            case .symbol, .extend:
                p = skipExtend(p, end)
                kind = .symbol
            }
            tokens.append(Token(offset: start - base, length: p - start, kind: kind))
        }
    }

    @inline(__always)
    private func skipExtend(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var q = p
        while q < end, q[0] >= 0x80 {
            let d = UTF8Bytes.decodeMultibyte(q, end)
            guard d.valid, charClass(d.scalar) == .extend else { break }
            q += d.length
        }
        return q
    }
}

private let asciiClasses: [CharClass] = (0..<128).map { b -> CharClass in
    switch UInt8(b) {
    case 0x09...0x0D, 0x20: return .space
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return .digit
    case UInt8(ascii: "'"): return .apostrophe
    case UInt8(ascii: "$"), UInt8(ascii: "+"), UInt8(ascii: "<"), UInt8(ascii: "="), UInt8(ascii: ">"),
        UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return .symbol
    case 0..<0x20, 0x7F: return .symbol
    default: return .punctuation
    }
}
