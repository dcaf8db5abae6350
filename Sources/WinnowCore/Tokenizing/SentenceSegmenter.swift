/// ASCII letters, digits, space, comma, hyphen and a few more that can never start, end or change a sentence
/// state outside a terminated run: they only join (SB998).
@inline(__always)
private func isSentenceFiller(_ b: UInt8) -> Bool {
    // One bit per ASCII byte, in two constants: a global table would be loaded through its lazy initialiser
    // (`swift_once`) at every call, and this runs per character of scripts other than Latin.
    let word: UInt64 = b < 64 ? 0x0FFF_B071_0000_0000 : (b < 128 ? 0x07FF_FFFE_87FF_FFFE : 0)
    return (word >> UInt64(b & 63)) & 1 != 0
}

/// One bit per byte of the 16 at `p` that is an ASCII letter, digit, space or comma: fillers of every line of
/// prose, tested 16 at a time.
@inline(__always)
private func commonFillerBits(_ p: UnsafePointer<UInt8>) -> UInt64 {
    typealias Bytes = ByteMask.Bytes
    let v = UnsafeRawPointer(p).loadUnaligned(as: Bytes.self)
    let letter = (v | Bytes(repeating: 0x20)) &- Bytes(repeating: UInt8(ascii: "a")) .< Bytes(repeating: 26)
    let digit = v &- Bytes(repeating: UInt8(ascii: "0")) .< Bytes(repeating: 10)
    let spaceOrComma = v .== Bytes(repeating: UInt8(ascii: " ")) .| v .== Bytes(repeating: UInt8(ascii: ","))
    return ByteMask.bits(letter .| digit .| spaceOrComma)
}

/// Sentence boundaries exactly as Unicode Standard Annex #29 defines them (Unicode 15.0), on UTF-8 bytes.
///
/// The state after each character records whether the text so far ends in `SATerm Close* Sp*`, so every rule
/// is decided in constant time except SB8's lookahead, which runs at most once per such run and stops at the
/// next letter, paragraph separator or terminator: linear overall.
public struct SentenceSegmenter: Sendable {
    /// Whether runs that cannot end a sentence skip the rules (tests turn it off to compare).
    @_spi(Testing) public var usesFastPaths = true

    public init() {}

    /// Calls `body(start, end)` for each sentence of `text`, in order; together they cover every byte.
    ///
    /// - Complexity: O(n).
    public func forEachSentence(_ text: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        guard let raw = text.baseAddress, text.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + text.count
        UnicodeProperties.table.withUnsafeBufferPointer { table in
            @inline(__always) func sentenceProperty(at p: UnsafePointer<UInt8>) -> (SentenceBreakProperty, Int) {
                let b = p[0]
                if b < 0x80 { return (UnicodeProperties.sentenceBreak(table[Int(b)]), 1) }
                let d = UTF8Bytes.decodeMultibyte(p, end)
                return (UnicodeProperties.sentenceBreak(table[Int(d.valid ? d.scalar : 0xFFFD)]), d.length)
            }
            @inline(__always) func isParaSep(_ p: SentenceBreakProperty) -> Bool { p == .sep || p == .cr || p == .lf }

            /// SB8: after `ATerm Close* Sp*`, skip characters that are not letters, separators or terminators;
            /// the boundary is suppressed if the first one that is, is a lower-case letter.
            func lowerFollows(from start: UnsafePointer<UInt8>) -> Bool {
                var q = start
                while q < end {
                    let (p, length) = sentenceProperty(at: q)
                    switch p {
                    case .lower: return true
                    case .oLetter, .upper, .sep, .cr, .lf, .sTerm, .aTerm: return false
                    default: q += length
                    }
                }
                return false
            }

            enum Terminated { case none, aTerm, sTerm }
            var p = base
            var (property, length) = sentenceProperty(at: p)
            var rawPrevious = property
            var previous = property  // after SB5
            var beforePrevious: SentenceBreakProperty? = nil
            var terminated: Terminated = property == .aTerm ? .aTerm : (property == .sTerm ? .sTerm : .none)
            var inSpaces = false
            var start = p
            p += length
            while p < end {
                // Fast path: outside a terminated run, ASCII letters, digits, spaces and commas join (SB998)
                // and leave the state as it is, apart from the last two properties.
                let outsideTerminatedRun = terminated == .none && previous != .aTerm && !isParaSep(rawPrevious)
                if outsideTerminatedRun && usesFastPaths && isSentenceFiller(p[0]) {
                    var q = p + 1
                    while q < end {
                        // Letters, digits, spaces and commas 16 at a time; the rest of the fillers one by one.
                        while end - q >= 16 {
                            let plain = commonFillerBits(q)
                            if plain == 0xFFFF {
                                q += 16
                                continue
                            }
                            q += (~plain).trailingZeroBitCount
                            break
                        }
                        guard q < end && isSentenceFiller(q[0]) else { break }
                        q += 1
                    }
                    let last = UnicodeProperties.sentenceBreak(table[Int(q[-1])])
                    beforePrevious = q - p > 1 ? UnicodeProperties.sentenceBreak(table[Int(q[-2])]) : previous
                    previous = last
                    rawPrevious = last
                    p = q
                    continue
                }
                if outsideTerminatedRun && usesFastPaths {
                    // Outside a terminated run every character joins (SB998), whatever it is: only the state
                    // moves, up to a terminator or a paragraph separator (the rules take those), or to a run of
                    // ASCII fillers (the path above takes those 16 at a time). A lone filler, such as the space
                    // between two words of another script, is taken here, without leaving the scan.
                    var q = p
                    scan: while q < end {
                        if isSentenceFiller(q[0]) {
                            if q == p || (end - q >= 2 && isSentenceFiller(q[1])) { break scan }
                            beforePrevious = previous
                            previous = UnicodeProperties.sentenceBreak(table[Int(q[0])])
                            rawPrevious = previous
                            q += 1
                            continue
                        }
                        let (current, length) = sentenceProperty(at: q)
                        switch current {
                        case .aTerm, .sTerm, .sep, .cr, .lf:
                            break scan
                        case .extend, .format:
                            rawPrevious = current  // SB5
                        default:
                            beforePrevious = previous
                            previous = current
                            rawPrevious = current
                        }
                        q += length
                    }
                    if q > p {
                        p = q
                        continue
                    }
                }
                (property, length) = sentenceProperty(at: p)
                let current = property
                var joins: Bool
                if rawPrevious == .cr && current == .lf {
                    joins = true  // SB3
                } else if isParaSep(rawPrevious) {
                    joins = false  // SB4
                } else if current == .extend || current == .format {
                    rawPrevious = current  // SB5: belongs to the character before
                    p += length
                    continue
                } else if previous == .aTerm && current == .numeric {
                    joins = true  // SB6
                } else if (beforePrevious == .upper || beforePrevious == .lower) && previous == .aTerm && current == .upper {
                    joins = true  // SB7
                } else if terminated != .none && !inSpaces && (current == .close || current == .sp || isParaSep(current)) {
                    joins = true  // SB9
                } else if terminated != .none && (current == .sp || isParaSep(current)) {
                    joins = true  // SB10
                } else if terminated == .aTerm && lowerFollows(from: p) {
                    joins = true  // SB8
                } else if terminated != .none && (current == .sContinue || current == .sTerm || current == .aTerm) {
                    joins = true  // SB8a
                } else {
                    joins = terminated == .none  // SB11 breaks after a terminated run; SB998 joins the rest
                }
                if !joins {
                    body(start - base, p - base)
                    start = p
                }
                // The state after this character.
                switch current {
                case .aTerm:
                    terminated = .aTerm
                    inSpaces = false
                case .sTerm:
                    terminated = .sTerm
                    inSpaces = false
                case .close where terminated != .none && !inSpaces:
                    break
                case .sp where terminated != .none:
                    inSpaces = true
                default:
                    terminated = .none
                    inSpaces = false
                }
                beforePrevious = previous
                previous = current
                rawPrevious = current
                p += length
            }
            body(start - base, end - base)
        }
    }
}
