/// Splits UTF-8 text into tokens: UAX #29 word segments that are not white space, each with a kind.
///
/// In `.analysis` mode (the default) URLs, e-mail addresses, hashtags, mentions and exchange tickers are kept
/// whole; `.uax29` gives the plain segments, to compare with ICU or any other UAX #29 implementation. Tokens
/// are byte ranges; nothing is allocated per token beyond the caller's array.
public struct Tokenizer: Sendable {
    public enum Mode: Sendable {
        case analysis
        case uax29
    }

    public var mode: Mode
    /// Whether ASCII runs take the fast loop; off, the full UAX #29 scanner runs everywhere. The tokens are the
    /// same either way (tests and the fuzzer compare them).
    @_spi(Testing) public var usesASCIIFastPath = true
    /// Whether the fast path takes plain ASCII 64 bytes at a time (`ASCIIBlock`); off, byte by byte. The
    /// tokens are the same either way.
    @_spi(Testing) public var usesBlocks = true

    public init(mode: Mode = .analysis) {
        self.mode = mode
    }

    /// Appends the tokens of `text` to `tokens` (reuse the array between calls to avoid allocation).
    ///
    /// Plain ASCII goes 64 bytes at a time (`ASCIIBlock`), the rest of ASCII byte by byte
    /// (`ASCIITokenScanner`); around other characters the full UAX #29 scanner runs, from the last white space
    /// before them to the first one after, so all three give exactly the same tokens.
    ///
    /// - Complexity: O(n) in the length of `text`.
    public func tokenize(_ text: UnsafeRawBufferPointer, into tokens: inout [Token]) {
        guard let raw = text.baseAddress, text.count > 0 else { return }
        precondition(text.count <= Token.maxOffset, "Tokenizer: texts are at most 4 GiB")
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let first = tokens.count
        var candidates: [Int] = []
        withUnsafeTemporaryAllocation(of: Token.self, capacity: 1024) { batch in
            Tokenizer.kinds.withUnsafeBufferPointer { kinds in
                ASCIIClass.table.withUnsafeBufferPointer { classes in
                    ASCIIClass.firstByteKinds.withUnsafeBufferPointer { firstByteKinds in
                        WordBreakScanner.with(base: base, end: base + text.count) { scanner in
                            var sink = TokenSink(tokens: tokens, batch: batch, text: text, entities: mode == .analysis, kinds: kinds)
                            tokens = []  // the sink owns the array while it grows, so appends need no copy
                            if usesASCIIFastPath {
                                let ascii = ASCIITokenScanner(scanner: scanner, classes: classes, firstByteKinds: firstByteKinds)
                                if usesBlocks {
                                    ascii.runBlocks(&sink)
                                } else {
                                    _ = ascii.scan(from: base, atLeastTo: base + text.count, &sink)
                                }
                            } else {
                                scanner.run(from: base, &sink)
                            }
                            sink.flush()
                            tokens = sink.tokens
                            candidates = sink.candidates
                        }
                    }
                }
            }
        }
        if !candidates.isEmpty {
            EntityMerger(text: text).merge(&tokens, from: first, candidates: candidates)
        }
    }

    /// The kind for every combination of the six class flags, so classifying a segment is one load.
    static let kinds: [TokenKind] = (0..<64).map { bits in slowKind(SegmentFlags(rawValue: UInt16(bits))) }

    static func slowKind(_ flags: SegmentFlags) -> TokenKind {
        if flags.contains(.letter) { return flags.contains(.digit) ? .alphanumeric : .word }
        if flags.contains(.ideograph) { return .ideograph }
        if flags.contains(.digit) { return .number }
        if flags.contains(.emoji) { return .emoji }
        if flags.contains(.punctuation) { return .punctuation }
        return .symbol
    }
}

/// What UAX #29 needs to know about an ASCII byte, as bits (derived from the Unicode tables, not typed in).
enum ASCIIClass {
    /// Word_Break ALetter (A–Z, a–z).
    static let letter: UInt8 = 1 << 0
    /// Word_Break Numeric (0–9).
    static let digit: UInt8 = 1 << 1
    /// Word_Break ExtendNumLet ("_").
    static let extendNumLet: UInt8 = 1 << 2
    /// Letters, digits and "_": every pair of them joins (WB5, WB8–WB10, WB13a, WB13b).
    static let word: UInt8 = letter | digit | extendNumLet
    /// White space and line ends: never part of a token, never joined to what is not white space.
    static let space: UInt8 = 1 << 3
    /// MidLetter, MidNumLet or Single_Quote (":", ".", "'"): joins two letters (WB6, WB7).
    static let midLetter: UInt8 = 1 << 4
    /// MidNum, MidNumLet or Single_Quote (",", ";", ".", "'"): joins two digits (WB11, WB12).
    static let midNum: UInt8 = 1 << 5

    static let table: [UInt8] = (0..<128).map { byte in
        let value = UnicodeProperties.table[byte]
        var bits: UInt8 = 0
        switch UnicodeProperties.wordBreak(value) {
        case .aLetter: bits = letter
        case .numeric: bits = digit
        case .extendNumLet: bits = extendNumLet
        case .midLetter: bits = midLetter
        case .midNum: bits = midNum
        case .midNumLet, .singleQuote: bits = midLetter | midNum
        default: break
        }
        if !ASCIIInfo.flags[byte].contains(.nonSpace) { bits |= space }
        return bits
    }

    /// The kind of a token by its first byte, for the tokens of one punctuation or symbol byte and of ASCII
    /// letters (words), from the flags the full scanner gives those bytes.
    static let firstByteKinds: [TokenKind] = (0..<128).map { byte in
        Tokenizer.kinds[Int(ASCIIInfo.flags[byte].rawValue & 0x3F)]
    }
}

/// Tokenizes ASCII text with a loop made for it, and hands every stretch with other characters to the full
/// UAX #29 scanner.
///
/// Within ASCII, UAX #29 comes down to: letters, digits and "_" join each other; ":", ".", "'" join two
/// letters and ",", ";", ".", "'" two digits; every other character is a segment of its own; white space is
/// never a token. No ASCII character is Extend, Format or ZWJ, so a boundary between two ASCII characters
/// is decided by them and their neighbours alone. Before each unit (a word, a run of spaces, one other
/// character) ends, the byte after it must be ASCII too; if it is not, the scanner takes over from the unit's
/// start (a boundary that needs no context) to the first ASCII white space followed by ASCII after it.
struct ASCIITokenScanner {
    let scanner: WordBreakScanner
    let classes: UnsafeBufferPointer<UInt8>
    /// `ASCIIClass.firstByteKinds`, pinned.
    let firstByteKinds: UnsafeBufferPointer<TokenKind>

    /// Tokenizes from `start` (a boundary) unit by unit until a unit ends at or past `limit`; returns where
    /// it stopped, a boundary.
    func scan(from start: UnsafePointer<UInt8>, atLeastTo limit: UnsafePointer<UInt8>, _ sink: inout TokenSink) -> UnsafePointer<UInt8> {
        let base = scanner.base
        let end = scanner.end
        var p = start
        while p < limit {
            let b = p[0]
            // Letters first, by arithmetic: most units are words, and a table load would lengthen the chain.
            let c = isASCIILetter(b) ? ASCIIClass.letter : b < 0x80 ? classes[Int(b)] : 0
            if b >= 0x80 {
                p = slowPath(from: p, nonASCII: p, &sink)
                continue
            }
            if c & ASCIIClass.word == 0 {
                // White space or one punctuation or symbol character; what follows must not attach to it (WB4).
                var q = p + 1
                if b == 0x20 { while q < end && q[0] == 0x20 { q += 1 } }
                if q < end && q[0] >= 0x80 {
                    p = slowPath(from: p, nonASCII: q, &sink)
                    continue
                }
                if c & ASCIIClass.space == 0 {
                    sink.emit(start: p - base, end: q - base, flags: scanner.asciiFlags[Int(b)])
                }
                p = q
                continue
            }
            // A word: letters, digits, "_", and the punctuation that joins them.
            var q: UnsafePointer<UInt8>
            var lettersOnly: Bool
            if c == ASCIIClass.letter {
                q = endOfASCIILetters(from: p + 1, end: end)
                // The commonest shapes of text, in a tight loop: a word, then one space, or a comma or full
                // stop and one space, then the next word. Their ends are certain and need no table.
                while end - q >= 3 {
                    let next = q[0]
                    if next == 0x20 {
                        guard isASCIILetter(q[1]) else { break }
                        sink.appendWord(start: p - base, end: q - base)
                        p = q + 1
                    } else if (next == UInt8(ascii: ",") || next == UInt8(ascii: ".")) && q[1] == 0x20 && isASCIILetter(q[2]) {
                        sink.emitLetters(start: p - base, end: q - base)
                        sink.appendSingle(start: q - base, kind: .punctuation)
                        p = q + 2
                    } else {
                        break
                    }
                    q = endOfASCIILetters(from: p + 1, end: end)
                }
                lettersOnly = true
            } else {
                q = p + 1
                lettersOnly = false
            }
            var nonASCII: UnsafePointer<UInt8>? = nil
            while q < end {
                let n = q[0]
                if n == 0x20 { break }  // the commonest end of a word
                if n >= 0x80 {
                    nonASCII = q
                    break
                }
                let nc = classes[Int(n)]
                if nc & ASCIIClass.word != 0 {
                    lettersOnly = false
                    q += 1
                    continue
                }
                guard nc & (ASCIIClass.midLetter | ASCIIClass.midNum) != 0, q + 1 < end else { break }
                let after = q[1]
                if after >= 0x80 {
                    nonASCII = q + 1
                    break
                }
                let joined = classes[Int(q[-1])] & classes[Int(after)]
                guard (nc & ASCIIClass.midLetter != 0 && joined & ASCIIClass.letter != 0)
                    || (nc & ASCIIClass.midNum != 0 && joined & ASCIIClass.digit != 0)
                else { break }
                lettersOnly = false
                q += 2
            }
            if let nonASCII {
                p = slowPath(from: p, nonASCII: nonASCII, &sink)
                continue
            }
            if lettersOnly {
                sink.emitLetters(start: p - base, end: q - base)
            } else {
                var flags = SegmentFlags.none
                var r = p
                while r < q {
                    flags.formUnion(scanner.asciiFlags[Int(r[0])])
                    r += 1
                }
                sink.emit(start: p - base, end: q - base, flags: flags)
            }
            p = q
        }
        return p
    }

    /// Runs the full scanner from `start` (a boundary after an ASCII unit, or the start of the text) to the
    /// first ASCII white space after `nonASCII` that an ASCII character other than white space follows: the
    /// boundary there is certain and needs no context, so the fast loop can take over again.
    private func slowPath(from start: UnsafePointer<UInt8>, nonASCII: UnsafePointer<UInt8>, _ sink: inout TokenSink) -> UnsafePointer<UInt8> {
        let end = scanner.end
        var u = nonASCII + 1
        while u < end {
            // Sixteen bytes at a time past bytes outside ASCII and spaces, which never end the stretch: text in
            // other scripts is mostly those.
            typealias Bytes = ByteMask.Bytes
            u = ByteMask.firstFlagged(from: u, to: end) { v in v .< Bytes(repeating: 0x80) .& v .!= Bytes(repeating: 0x20) }
            guard u < end else { break }
            let b = u[0]
            if b < 0x80 && classes[Int(b)] & ASCIIClass.space == 0 {
                let before = u[-1]
                if before < 0x80 && classes[Int(before)] & ASCIIClass.space != 0 { break }
            }
            u += 1
        }
        scanner.ending(at: u).run(from: start, &sink)
        return u
    }
}

/// Collects tokens in a fixed batch and appends them to the array a batch at a time. In analysis mode it
/// also spots, while the bytes are hot, what the entity merger needs: tickers are marked on the spot, and the
/// merge pass runs only from the first token that could start a URL, an e-mail address, a hashtag or a
/// mention.
struct TokenSink: WordSegmentSink {
    var tokens: [Token]
    let batch: UnsafeMutableBufferPointer<Token>
    let text: UnsafeRawBufferPointer
    let entities: Bool
    let kinds: UnsafeBufferPointer<TokenKind>
    let batchBase: UnsafeMutablePointer<Token>
    let batchCapacity: Int
    var count = 0
    /// The indices (in `tokens`) of the tokens that could start an entity; allocated only when there is one.
    var candidates: [Int] = []

    init(tokens: [Token], batch: UnsafeMutableBufferPointer<Token>, text: UnsafeRawBufferPointer, entities: Bool, kinds: UnsafeBufferPointer<TokenKind>) {
        self.tokens = tokens
        self.batch = batch
        self.text = text
        self.entities = entities
        self.kinds = kinds
        self.batchBase = batch.baseAddress!
        self.batchCapacity = batch.count
    }

    /// A segment from the full scanner: white space is dropped.
    @inline(__always)
    mutating func segment(start: Int, end: Int, flags: SegmentFlags) {
        guard flags.contains(.nonSpace) else { return }
        emit(start: start, end: end, flags: flags)
    }

    @inline(__always)
    mutating func emit(start: Int, end: Int, flags: SegmentFlags) {
        var kind = kinds[Int(flags.rawValue & 0x3F)]
        if entities {
            let first = text[start]
            if kind == .word {
                let lower = first | 0x20
                if (lower == UInt8(ascii: "h") || lower == UInt8(ascii: "f")) && end < text.count && text[end] == UInt8(ascii: ":") {
                    markCandidate()
                } else if lower == UInt8(ascii: "w") && start + 4 < text.count && text[start + 3] == UInt8(ascii: ".") {
                    markCandidate()
                } else if first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") && end - start >= 4
                    && EntityMerger.isTicker(text, start..<end)
                {
                    kind = .ticker
                }
            } else if kind == .punctuation && (first == UInt8(ascii: "@") || first == UInt8(ascii: "#")) {
                markCandidate()
            }
        }
        append(start: start, length: end - start, kind: kind)
    }

    /// A word of ASCII letters only (from the fast loop). It cannot be a ticker (no colon); it may start a URL
    /// only if a colon follows ("http:") or it is three letters and a full stop follows ("www."). Both tests
    /// are rarely true, so the branch predicts well, unlike a test of the first letter.
    @inline(__always)
    mutating func emitLetters(start: Int, end: Int) {
        if entities && end < text.count {
            let next = text[end]
            if next == UInt8(ascii: ":") || (next == UInt8(ascii: ".") && end - start == 3) {
                // "http:", "https:", "ftp:", "www.": not "said:" or "day.".
                if canStartURL(text[start]) { markCandidate() }
            }
        }
        append(start: start, length: end - start, kind: .word)
    }

    /// One ASCII punctuation or symbol character other than "@" and "#".
    @inline(__always)
    mutating func appendSingle(start: Int, kind: TokenKind) {
        append(start: start, length: 1, kind: kind)
    }

    /// A word followed by a space: nothing to check.
    @inline(__always)
    mutating func appendWord(start: Int, end: Int) {
        append(start: start, length: end - start, kind: .word)
    }

    @inline(__always)
    private mutating func append(start: Int, length: Int, kind: TokenKind) {
        if count == batchCapacity { flush() }
        if length > Token.maxLength {
            appendPieces(start: start, length: length, kind: kind)
            return
        }
        (batchBase + count).initialize(to: Token(offset: start, length: length, kind: kind))
        count += 1
    }

    /// A segment longer than a token can be (16 MiB: a line of letters with no break in it) becomes tokens of
    /// the longest length and the rest.
    @inline(never)
    private mutating func appendPieces(start: Int, length: Int, kind: TokenKind) {
        var offset = start
        let end = start + length
        while offset < end {
            if count == batchCapacity { flush() }
            let piece = min(Token.maxLength, end - offset)
            (batchBase + count).initialize(to: Token(offset: offset, length: piece, kind: kind))
            count += 1
            offset += piece
        }
    }

    @inline(__always)
    private mutating func markCandidate() {
        candidates.append(tokens.count + count)
    }

    /// Makes room for `count` tokens written straight into the batch (`appendBlockTokens`).
    @inline(__always)
    mutating func reserve(_ count: Int) {
        if self.count + count > batchCapacity { flush() }
    }

    /// In analysis mode, marks the token appended last as a possible start of an entity.
    @inline(__always)
    mutating func markLastAsCandidate() {
        if entities { candidates.append(tokens.count + count - 1) }
    }

    mutating func flush() {
        tokens.append(contentsOf: UnsafeBufferPointer(rebasing: batch[0..<count]))
        count = 0
    }
}

/// Joins the tokens of URLs, e-mail addresses, hashtags and mentions, in place, visiting only the tokens the
/// sink marked as possible starts; the tokens between them move with one block copy each, and only once a
/// merge has made room.
struct EntityMerger {
    let text: UnsafeRawBufferPointer

    /// Merges at `candidates` (ascending indices into `tokens`); `first` is where this text's tokens begin
    /// (an e-mail address's local part may reach back to it).
    func merge(_ tokens: inout [Token], from first: Int, candidates: [Int]) {
        let kept = tokens.withUnsafeMutableBufferPointer { buffer in merge(buffer, from: first, candidates: candidates) }
        tokens.removeSubrange(kept..<tokens.count)
    }

    /// Merges in place; returns the new end.
    private func merge(_ tokens: UnsafeMutableBufferPointer<Token>, from first: Int, candidates: [Int]) -> Int {
        guard let start = candidates.first else { return tokens.count }
        let base = tokens.baseAddress!
        var write = start
        var read = start
        let count = tokens.count
        func moveUpTo(_ index: Int) {
            if write != read { (base + write).update(from: base + read, count: index - read) }
            write += index - read
            read = index
        }
        for candidate in candidates where candidate >= read {
            moveUpTo(candidate)
            let token = tokens[read]
            let byte = text[token.offset]
            if token.kind == .word, let urlEnd = urlEnd(at: token) {
                var last = read
                while last + 1 < count && tokens[last + 1].offset < urlEnd { last += 1 }
                let length = max(urlEnd, tokens[last].end) - token.offset
                if length <= Token.maxLength {
                    tokens[write] = Token(offset: token.offset, length: length, kind: .url)
                    write += 1
                    read = last + 1
                    continue
                }
            }
            if token.kind == .punctuation && token.length == 1 && (byte == UInt8(ascii: "@") || byte == UInt8(ascii: "#")) && read + 1 < count {
                let next = tokens[read + 1]
                let adjacentNext = next.offset == token.end && (next.kind == .word || next.kind == .alphanumeric || next.kind == .number)
                if byte == UInt8(ascii: "@") && adjacentNext && write > first && tokens[write - 1].end == token.offset {
                    if let (start, end, lastIndex) = email(tokens, write: write, first: first, at: read),
                        end - tokens[start].offset <= Token.maxLength
                    {
                        write = start
                        tokens[write] = Token(offset: tokens[write].offset, length: end - tokens[write].offset, kind: .email)
                        write += 1
                        read = lastIndex + 1
                        continue
                    }
                }
                let standsAlone = write == first || tokens[write - 1].end < token.offset || tokens[write - 1].kind == .punctuation
                if adjacentNext && standsAlone && next.kind != .number && next.end - token.offset <= Token.maxLength {
                    tokens[write] = Token(offset: token.offset, length: next.end - token.offset, kind: byte == UInt8(ascii: "#") ? .hashtag : .mention)
                    write += 1
                    read += 2
                    continue
                }
            }
            moveUpTo(read + 1)
        }
        moveUpTo(count)
        return write
    }

    /// "NASDAQ:EXM": upper-case letters, a colon, upper-case letters (UAX #29 already joins them: ':' is MidLetter).
    static func isTicker(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard range.count >= 4, range.count <= 20 else { return false }
        var colon = -1
        for i in range {
            let b = text[i]
            if b == UInt8(ascii: ":") {
                guard colon < 0 else { return false }
                colon = i
            } else if !(b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) && b != UInt8(ascii: ".") {
                return false
            }
        }
        return colon > range.lowerBound + 1 && colon < range.upperBound - 1
    }

    /// The end of a URL starting at `token` ("http://", "https://", "ftp://" or "www."), if one does.
    private func urlEnd(at token: Token) -> Int? {
        let start = token.offset
        func has(_ prefix: StaticString) -> Bool { hasASCIICaseless(text, at: start, prefix) }
        // Most candidates are words before a colon or a full stop ("said:", "day."): one byte rules them out.
        guard canStartURL(text[start]) else { return nil }
        guard has("http://") || has("https://") || has("ftp://") || has("www.") else { return nil }
        var end = start
        var parentheses = 0
        while end < text.count {
            let b = text[end]
            if b <= 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == 0x7F { break }
            if b == UInt8(ascii: "(") { parentheses += 1 }
            if b == UInt8(ascii: ")") {
                if parentheses == 0 { break }
                parentheses -= 1
            }
            if b >= 0x80 {
                // Non-ASCII closing quotes and spaces end a URL; other characters (IRIs) belong to it.
                let base = text.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let d = UTF8Bytes.decode(base + end, base + text.count)
                if d.scalar == 0x201D || d.scalar == 0x2019 || d.scalar == 0xBB || d.scalar == 0xA0 || d.scalar == 0x3000 { break }
                end += d.length
                continue
            }
            end += 1
        }
        // Sentence punctuation after a URL is not part of it.
        while end > start, let last = Optional(text[end - 1]),
            last == UInt8(ascii: ".") || last == UInt8(ascii: ",") || last == UInt8(ascii: ";") || last == UInt8(ascii: ":")
                || last == UInt8(ascii: "!") || last == UInt8(ascii: "?") || last == UInt8(ascii: "'")
        {
            end -= 1
        }
        return end - start > 7 ? end : nil
    }

    /// An e-mail address around the "@" at `at`: the local part is the adjacent tokens already written before
    /// it, the domain the adjacent tokens after it, which must contain a dot and end in letters.
    private func email(_ tokens: UnsafeMutableBufferPointer<Token>, write: Int, first: Int, at: Int) -> (start: Int, end: Int, last: Int)? {
        func isLocal(_ t: Token) -> Bool {
            if t.kind == .word || t.kind == .alphanumeric || t.kind == .number { return true }
            guard t.kind == .punctuation || t.kind == .symbol, t.length == 1 else { return false }
            let b = text[t.offset]
            return b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: "+")
        }
        var start = write - 1
        while start > first && tokens[start - 1].end == tokens[start].offset && isLocal(tokens[start - 1]) { start -= 1 }
        guard tokens[start].kind != .punctuation, tokens[write - 1].kind != .punctuation || text[tokens[write - 1].offset] == UInt8(ascii: "_") else {
            return nil
        }
        var last = at
        var sawDot = false
        while last + 1 < tokens.count && tokens[last + 1].offset == tokens[last].end && isLocal(tokens[last + 1]) {
            last += 1
        }
        // Do not swallow a sentence's final period.
        while last > at && tokens[last].kind != .word && tokens[last].kind != .alphanumeric { last -= 1 }
        guard last > at else { return nil }
        for i in tokens[at + 1].offset..<tokens[last].end where text[i] == UInt8(ascii: ".") { sawDot = true }
        guard sawDot, tokens[last].kind == .word else { return nil }
        return (start, tokens[last].end, last)
    }
}

/// Whether a word starting with `byte` can start a URL Winnow merges ("http://", "https://", "ftp://", "www."):
/// h, f or w in either case.
@inline(__always)
func canStartURL(_ byte: UInt8) -> Bool {
    let lead = byte | 0x20
    return lead == UInt8(ascii: "h") || lead == UInt8(ascii: "f") || lead == UInt8(ascii: "w")
}
