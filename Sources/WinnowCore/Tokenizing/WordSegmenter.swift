/// What a word segment contains, gathered while segmenting so that classifying it costs nothing more.
public struct SegmentFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A letter of a script that separates words (Word_Break ALetter, Hebrew_Letter, Katakana).
    public static let letter = SegmentFlags(rawValue: 1 << 0)
    /// A digit or other number.
    public static let digit = SegmentFlags(rawValue: 1 << 1)
    /// A letter of a script written without spaces (Han, Hiragana, Thai…): one per segment.
    public static let ideograph = SegmentFlags(rawValue: 1 << 2)
    /// Extended_Pictographic or a regional indicator.
    public static let emoji = SegmentFlags(rawValue: 1 << 3)
    public static let punctuation = SegmentFlags(rawValue: 1 << 4)
    public static let symbol = SegmentFlags(rawValue: 1 << 5)
    /// Anything that is not white space (so segments without it are only white space).
    public static let nonSpace = SegmentFlags(rawValue: 1 << 6)
    /// A combining mark, joiner or format character.
    public static let mark = SegmentFlags(rawValue: 1 << 7)
    /// A byte that is not valid UTF-8 (treated as U+FFFD).
    public static let invalid = SegmentFlags(rawValue: 1 << 8)

    // Combinations as constants: an option-set array literal would build an array at every use.
    @usableFromInline static var letterCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 0 | 1 << 6) }
    @usableFromInline static var digitCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 1 | 1 << 6) }
    @usableFromInline static var ideographCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 2 | 1 << 6) }
    @usableFromInline static var emojiCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 3 | 1 << 6) }
    @usableFromInline static var punctuationCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 4 | 1 << 6) }
    @usableFromInline static var symbolCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 5 | 1 << 6) }
    @usableFromInline static var markCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 7 | 1 << 6) }
    @usableFromInline static var invalidCharacter: SegmentFlags { SegmentFlags(rawValue: 1 << 8 | 1 << 5 | 1 << 6) }
    @usableFromInline static var none: SegmentFlags { SegmentFlags(rawValue: 0) }
}

/// Receives word segments. A concrete sink passed `inout` is specialised and inlined into the segmenter's loop,
/// which a closure capturing an `inout` array cannot be (every append would pay an exclusivity check).
public protocol WordSegmentSink {
    mutating func segment(start: Int, end: Int, flags: SegmentFlags)
}

@usableFromInline
struct ClosureSink: WordSegmentSink {
    @usableFromInline let body: (Int, Int, SegmentFlags) -> Void
    @inlinable init(body: @escaping (Int, Int, SegmentFlags) -> Void) { self.body = body }
    @inlinable mutating func segment(start: Int, end: Int, flags: SegmentFlags) { body(start, end, flags) }
}

/// For each pair (previous, current) of Word_Break values: 0 break, 1 join, 2 the rules need more context
/// (the character before, the one after, or a regional-indicator count). Derived from rules WB3 to WB16 for
/// adjacent characters with no Extend between them.
@usableFromInline
let wordBreakPairs: [UInt8] = {
    let count = 19
    var table = [UInt8](repeating: 0, count: count * count)
    func ah(_ p: WordBreakProperty) -> Bool { p == .aLetter || p == .hebrewLetter }
    func midNumLetQ(_ p: WordBreakProperty) -> Bool { p == .midNumLet || p == .singleQuote }
    for a in 0..<count {
        for b in 0..<count {
            let previous = WordBreakProperty(rawValue: UInt8(a))!
            let current = WordBreakProperty(rawValue: UInt8(b))!
            var decision: UInt8 = 0
            if previous == .cr && current == .lf {
                decision = 1
            } else if previous == .cr || previous == .lf || previous == .newline {
                decision = 0
            } else if current == .cr || current == .lf || current == .newline {
                decision = 0
            } else if current == .extend || current == .format || current == .zwj || previous == .zwj {
                decision = 2
            } else if previous == .wSegSpace && current == .wSegSpace {
                decision = 1
            } else if (ah(previous) && (current == .midLetter || midNumLetQ(current)))
                || ((previous == .midLetter || midNumLetQ(previous)) && ah(current))
                || (previous == .hebrewLetter && current == .doubleQuote)
                || (previous == .doubleQuote && current == .hebrewLetter)
                || (previous == .numeric && (current == .midNum || midNumLetQ(current)))
                || ((previous == .midNum || midNumLetQ(previous)) && current == .numeric)
                || (previous == .regionalIndicator && current == .regionalIndicator)
            {
                decision = 2
            } else if (ah(previous) && (ah(current) || current == .numeric))
                || (previous == .numeric && (current == .numeric || ah(current)))
                || (previous == .hebrewLetter && current == .singleQuote)
                || (previous == .katakana && current == .katakana)
                || (current == .extendNumLet && (ah(previous) || previous == .numeric || previous == .katakana || previous == .extendNumLet))
                || (previous == .extendNumLet && (ah(current) || current == .numeric || current == .katakana))
            {
                decision = 1
            }
            table[a * count + b] = decision
        }
    }
    return table
}()

/// Per-byte information for ASCII: the property value and the flags it adds.
@usableFromInline
struct ASCIIInfo {
    @usableFromInline static let values: [UInt16] = (0..<128).map { UnicodeProperties.table[$0] }
    @usableFromInline static let flags: [SegmentFlags] = (0..<128).map { segmentFlags(UnicodeProperties.table[$0], scalar: UInt32($0)) }
}

@inline(__always) @usableFromInline
func segmentFlags(_ value: UInt16, scalar: UInt32) -> SegmentFlags {
    let wb = UnicodeProperties.wordBreak(value)
    switch wb {
    case .cr, .lf, .newline, .wSegSpace: return .none
    case .extend, .format, .zwj: return .markCharacter
    case .regionalIndicator: return .emojiCharacter
    default: break
    }
    if scalar == 0x09 || scalar == 0x0B || scalar == 0x0C { return .none }
    if UnicodeProperties.isExtendedPictographic(value) { return .emojiCharacter }
    switch UnicodeProperties.category(value) {
    case .letter: return wb == .aLetter || wb == .hebrewLetter || wb == .katakana ? .letterCharacter : .ideographCharacter
    case .number: return .digitCharacter
    case .punctuation: return .punctuationCharacter
    case .symbol: return .symbolCharacter
    case .space: return .none
    case .mark: return .markCharacter
    case .other: return wb == .numeric ? .digitCharacter : .symbolCharacter
    }
}

/// Word boundaries exactly as Unicode Standard Annex #29 defines them (Unicode 15.0), on UTF-8 bytes.
///
/// Every byte of the input belongs to exactly one segment, in order. Invalid UTF-8 is treated as U+FFFD, one
/// segment per maximal invalid subsequence's replacement. ASCII letter, digit and space runs take a fast path;
/// the full rule set runs at every other position.
public struct WordSegmenter: Sendable {
    public init() {}

    /// Calls `body(start, end, flags)` for each segment of `text`, in order.
    ///
    /// - Complexity: O(n); lookahead (rules WB6, WB7b, WB12) never passes the next non-ignorable character.
    @inlinable
    public func forEachSegment(_ text: UnsafeRawBufferPointer, _ body: (Int, Int, SegmentFlags) -> Void) {
        withoutActuallyEscaping(body) { body in
            var sink = ClosureSink(body: body)
            segment(text, into: &sink)
        }
    }

    /// Hands each segment of `text` to `sink`, in order.
    @inlinable
    public func segment<Sink: WordSegmentSink>(_ text: UnsafeRawBufferPointer, into sink: inout Sink) {
        guard let raw = text.baseAddress, text.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        WordBreakScanner.with(base: base, end: base + text.count) { scanner in scanner.run(from: base, &sink) }
    }
}

@usableFromInline
struct WordBreakScanner {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let end: UnsafePointer<UInt8>
    @usableFromInline let table: UnsafeBufferPointer<UInt16>
    @usableFromInline let asciiValues: UnsafeBufferPointer<UInt16>
    @usableFromInline let asciiFlags: UnsafeBufferPointer<SegmentFlags>
    @usableFromInline let pairs: UnsafeBufferPointer<UInt8>

    /// Calls `body` with a scanner over `base..<end` whose tables are pinned, so the loop loads from them
    /// directly instead of checking a global's initialisation at every use.
    @inlinable
    static func with<R>(base: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, _ body: (WordBreakScanner) -> R) -> R {
        UnicodeProperties.table.withUnsafeBufferPointer { table in
            ASCIIInfo.values.withUnsafeBufferPointer { asciiValues in
                ASCIIInfo.flags.withUnsafeBufferPointer { asciiFlags in
                    wordBreakPairs.withUnsafeBufferPointer { pairs in
                        body(WordBreakScanner(base: base, end: end, table: table, asciiValues: asciiValues, asciiFlags: asciiFlags, pairs: pairs))
                    }
                }
            }
        }
    }

    @inlinable
    init(
        base: UnsafePointer<UInt8>,
        end: UnsafePointer<UInt8>,
        table: UnsafeBufferPointer<UInt16>,
        asciiValues: UnsafeBufferPointer<UInt16>,
        asciiFlags: UnsafeBufferPointer<SegmentFlags>,
        pairs: UnsafeBufferPointer<UInt8>
    ) {
        self.base = base
        self.end = end
        self.table = table
        self.asciiValues = asciiValues
        self.asciiFlags = asciiFlags
        self.pairs = pairs
    }

    /// The same scanner over another end (offsets stay relative to `base`).
    @inlinable
    func ending(at newEnd: UnsafePointer<UInt8>) -> WordBreakScanner {
        WordBreakScanner(base: base, end: newEnd, table: table, asciiValues: asciiValues, asciiFlags: asciiFlags, pairs: pairs)
    }

    /// The property value, flags and byte length of the character at `p`.
    @inlinable @inline(__always)
    func character(at p: UnsafePointer<UInt8>) -> (value: UInt16, flags: SegmentFlags, length: Int) {
        let b = p[0]
        if b < 0x80 { return (asciiValues[Int(b)], asciiFlags[Int(b)], 1) }
        let d = UTF8Bytes.decodeMultibyte(p, end)
        guard d.valid else { return (table[0xFFFD], .invalidCharacter, d.length) }
        let value = table[Int(d.scalar)]
        return (value, UnicodeProperties.storedSegmentFlags(value), d.length)
    }

    /// The Word_Break of the next character at or after `p` that rule WB4 does not ignore.
    @inlinable
    func nextEffective(from p: UnsafePointer<UInt8>) -> WordBreakProperty? {
        var q = p
        while q < end {
            let (value, _, length) = character(at: q)
            let wb = UnicodeProperties.wordBreak(value)
            if wb != .extend && wb != .format && wb != .zwj { return wb }
            q += length
        }
        return nil
    }

    /// Segments `start..<end`. `start` must be a boundary that needs no context from before it (the start of
    /// the text, or a position after ASCII white space; see `ASCIITokenScanner`).
    @inlinable
    func run<Sink: WordSegmentSink>(from start: UnsafePointer<UInt8>, _ sink: inout Sink) {
        var p = start
        var (value, flags, length) = character(at: p)
        var rawPrevious = UnicodeProperties.wordBreak(value)
        var previous = rawPrevious
        var beforePrevious: WordBreakProperty? = nil
        var regionalCount = previous == .regionalIndicator ? 1 : 0
        var segmentStart = p
        var accumulated = flags
        p += length
        while p < end {
            // Fast paths: runs that rules WB5, WB8 and WB3d keep together.
            let b = p[0]
            if previous == .aLetter && rawPrevious == .aLetter && isASCIILetter(b) {
                p = endOfASCIILetters(from: p + 1, end: end)
                beforePrevious = .aLetter
                continue
            }
            if previous == .aLetter && b >= 0xC0 {
                // Non-ASCII letter runs (Arabic, Cyrillic, Devanagari…): ALetter joins ALetter (WB5) and marks
                // join whatever they follow (WB4), so only the run's end needs the rules.
                var q = p
                var raw = rawPrevious
                var marks = false
                while q < end && q[0] >= 0xC0 {
                    let d = UTF8Bytes.decodeMultibyte(q, end)
                    guard d.valid else { break }
                    let wb = UnicodeProperties.wordBreak(table[Int(d.scalar)])
                    if wb == .aLetter {
                        raw = .aLetter
                    } else if wb == .extend || wb == .format || (wb == .zwj && raw != .zwj) {
                        raw = wb
                        marks = true
                    } else {
                        break
                    }
                    q += d.length
                }
                if q > p {
                    if marks { accumulated.formUnion(.markCharacter) }
                    if raw == .aLetter { beforePrevious = .aLetter }
                    rawPrevious = raw
                    p = q
                    continue
                }
            }
            if previous == .numeric && rawPrevious == .numeric && b >= 0x30 && b <= 0x39 {
                var q = p + 1
                while q < end && q[0] >= 0x30 && q[0] <= 0x39 { q += 1 }
                beforePrevious = .numeric
                p = q
                continue
            }
            if b == 0x20 {
                // A space joins only a space before it (WB3d); after anything else no rule joins it (WB999).
                var q = p + 1
                while q < end && q[0] == 0x20 { q += 1 }
                if rawPrevious != .wSegSpace {
                    sink.segment(start: segmentStart - base, end: p - base, flags: accumulated)
                    accumulated = .none
                    segmentStart = p
                }
                regionalCount = 0
                beforePrevious = q - p > 1 ? .wSegSpace : previous
                previous = .wSegSpace
                rawPrevious = .wSegSpace
                p = q
                continue
            }
            if rawPrevious == .wSegSpace && b < 0x80 && isASCIIAlphanumeric(b) {
                // After a space, no rule joins a letter or digit (WB4 needs an Extend, WB3d a space).
                sink.segment(start: segmentStart - base, end: p - base, flags: accumulated)
                segmentStart = p
                regionalCount = 0
                if b > 0x39 {
                    accumulated = .letterCharacter
                    let runEnd = endOfASCIILetters(from: p + 1, end: end)
                    beforePrevious = runEnd - p > 1 ? .aLetter : previous
                    previous = .aLetter
                    p = runEnd
                } else {
                    accumulated = .digitCharacter
                    beforePrevious = previous
                    previous = .numeric
                    p += 1
                }
                rawPrevious = previous
                continue
            }
            (value, flags, length) = character(at: p)
            let current = UnicodeProperties.wordBreak(value)
            if rawPrevious == previous {
                // Most pairs need no context (see wordBreakPairs): Arabic letters, ideographs, punctuation.
                let decision = pairs[Int(previous.rawValue) &* 19 &+ Int(current.rawValue)]
                if decision != 2 {
                    if decision == 0 {
                        sink.segment(start: segmentStart - base, end: p - base, flags: accumulated)
                        accumulated = .none
                        segmentStart = p
                    }
                    accumulated.formUnion(flags)
                    // RI × RI always needs the count (decision 2), so here an RI starts a new run.
                    regionalCount = current == .regionalIndicator ? 1 : 0
                    beforePrevious = previous
                    previous = current
                    rawPrevious = current
                    p += length
                    continue
                }
            }
            let joins: Bool
            if rawPrevious == .cr && current == .lf {
                joins = true  // WB3
            } else if rawPrevious == .cr || rawPrevious == .lf || rawPrevious == .newline {
                joins = false  // WB3a
            } else if current == .cr || current == .lf || current == .newline {
                joins = false  // WB3b
            } else if rawPrevious == .zwj && UnicodeProperties.isExtendedPictographic(value) {
                joins = true  // WB3c
            } else if rawPrevious == .wSegSpace && current == .wSegSpace {
                joins = true  // WB3d
            } else if current == .extend || current == .format || current == .zwj {
                // WB4: the mark belongs to the character before; the rules below skip it.
                accumulated.formUnion(flags)
                rawPrevious = current
                p += length
                continue
            } else {
                joins = rulesJoin(beforePrevious, previous, current, regionalCount: regionalCount, after: p + length)
            }
            if !joins {
                sink.segment(start: segmentStart - base, end: p - base, flags: accumulated)
                accumulated = .none
                segmentStart = p
            }
            accumulated.formUnion(flags)
            regionalCount = current == .regionalIndicator ? (previous == .regionalIndicator ? regionalCount + 1 : 1) : 0
            beforePrevious = previous
            previous = current
            rawPrevious = current
            p += length
        }
        sink.segment(start: segmentStart - base, end: end - base, flags: accumulated)
    }

    /// Rules WB5 to WB16, on the characters that WB4 leaves.
    @inlinable
    func rulesJoin(
        _ beforePrevious: WordBreakProperty?,
        _ previous: WordBreakProperty,
        _ current: WordBreakProperty,
        regionalCount: Int,
        after next: UnsafePointer<UInt8>
    ) -> Bool {
        @inline(__always) func isAHLetter(_ p: WordBreakProperty?) -> Bool { p == .aLetter || p == .hebrewLetter }
        @inline(__always) func isMidNumLetQ(_ p: WordBreakProperty?) -> Bool { p == .midNumLet || p == .singleQuote }
        if isAHLetter(previous) {
            if isAHLetter(current) { return true }  // WB5
            if current == .midLetter || isMidNumLetQ(current) {
                if isAHLetter(nextEffective(from: next)) { return true }  // WB6
            }
            if current == .numeric { return true }  // WB9
        }
        if isAHLetter(beforePrevious) && (previous == .midLetter || isMidNumLetQ(previous)) && isAHLetter(current) {
            return true  // WB7
        }
        if previous == .hebrewLetter {
            if current == .singleQuote { return true }  // WB7a
            if current == .doubleQuote && nextEffective(from: next) == .hebrewLetter { return true }  // WB7b
        }
        if beforePrevious == .hebrewLetter && previous == .doubleQuote && current == .hebrewLetter { return true }  // WB7c
        if previous == .numeric {
            if current == .numeric || isAHLetter(current) { return true }  // WB8, WB10
            if current == .midNum || isMidNumLetQ(current) {
                if nextEffective(from: next) == .numeric { return true }  // WB12
            }
        }
        if beforePrevious == .numeric && (previous == .midNum || isMidNumLetQ(previous)) && current == .numeric {
            return true  // WB11
        }
        if previous == .katakana && current == .katakana { return true }  // WB13
        if current == .extendNumLet
            && (isAHLetter(previous) || previous == .numeric || previous == .katakana || previous == .extendNumLet)
        {
            return true  // WB13a
        }
        if previous == .extendNumLet && (isAHLetter(current) || current == .numeric || current == .katakana) {
            return true  // WB13b
        }
        if previous == .regionalIndicator && current == .regionalIndicator && regionalCount % 2 == 1 {
            return true  // WB15, WB16
        }
        return false  // WB999
    }
}

/// The first position at or after `p` that is not an ASCII letter, testing eight bytes per step: one
/// predictable branch per word instead of a mispredicted one at every word's end.
@inlinable @inline(__always)
func endOfASCIILetters(from start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
    var q = start
    while end - q >= 8 {
        let w = UnsafeRawPointer(q).loadUnaligned(as: UInt64.self)
        let high: UInt64 = 0x8080_8080_8080_8080
        let y = (w | 0x2020_2020_2020_2020) & 0x7F7F_7F7F_7F7F_7F7F
        // Per byte: the high bit of y + 0x1F is set when y >= 0x61 ('a'), of y + 0x05 when y >= 0x7B (past 'z').
        let atLeastA = y &+ 0x1F1F_1F1F_1F1F_1F1F
        let pastZ = y &+ 0x0505_0505_0505_0505
        let letters = atLeastA & ~pastZ & ~w & high
        let others = ~letters & high
        if others != 0 {
            return q + (others.trailingZeroBitCount >> 3)
        }
        q += 8
    }
    while q < end && isASCIILetter(q[0]) { q += 1 }
    return q
}

@inlinable @inline(__always)
func isASCIILetter(_ b: UInt8) -> Bool {
    let l = b | 0x20
    return l >= 0x61 && l <= 0x7A
}
