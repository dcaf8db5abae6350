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

    public init(mode: Mode = .analysis) {
        self.mode = mode
    }

    /// Appends the tokens of `text` to `tokens` (reuse the array between calls to avoid allocation).
    ///
    /// - Complexity: O(n) in the length of `text`.
    public func tokenize(_ text: UnsafeRawBufferPointer, into tokens: inout [Token]) {
        let first = tokens.count
        guard text.count > 0 else { return }
        var needsMerge = false
        withUnsafeTemporaryAllocation(of: Token.self, capacity: 1024) { batch in
            var sink = TokenSink(tokens: tokens, batch: batch, text: text, entities: mode == .analysis)
            tokens = []  // the sink owns the array while it grows, so appends need no copy
            WordSegmenter().segment(text, into: &sink)
            sink.flush()
            tokens = sink.tokens
            needsMerge = sink.needsMerge
        }
        if needsMerge {
            EntityMerger(text: text).merge(&tokens, from: first)
        }
    }

    /// The kind for every combination of the six class flags, so classifying a segment is one load.
    static let kinds: [TokenKind] = (0..<64).map { bits in slowKind(SegmentFlags(rawValue: UInt16(bits))) }

    @inline(__always)
    static func kind(_ flags: SegmentFlags) -> TokenKind {
        kinds[Int(flags.rawValue & 0x3F)]
    }

    static func slowKind(_ flags: SegmentFlags) -> TokenKind {
        if flags.contains(.letter) { return flags.contains(.digit) ? .alphanumeric : .word }
        if flags.contains(.ideograph) { return .ideograph }
        if flags.contains(.digit) { return .number }
        if flags.contains(.emoji) { return .emoji }
        if flags.contains(.punctuation) { return .punctuation }
        return .symbol
    }
}

/// Collects tokens in a fixed batch and appends them to the array a batch at a time. In analysis mode it
/// also spots, while the bytes are hot, what the entity merger needs: tickers are marked on the spot, and the
/// merge pass runs only if something could start a URL, an e-mail address, a hashtag or a mention.
struct TokenSink: WordSegmentSink {
    var tokens: [Token]
    let batch: UnsafeMutableBufferPointer<Token>
    let text: UnsafeRawBufferPointer
    let entities: Bool
    var count = 0
    var needsMerge = false

    @inline(__always)
    mutating func segment(start: Int, end: Int, flags: SegmentFlags) {
        guard flags.contains(.nonSpace) else { return }
        if count == batch.count { flush() }
        var kind = Tokenizer.kind(flags)
        if entities {
            let first = text[start]
            if kind == .word {
                let lower = first | 0x20
                if (lower == UInt8(ascii: "h") || lower == UInt8(ascii: "f")) && end < text.count && text[end] == UInt8(ascii: ":") {
                    needsMerge = true
                } else if lower == UInt8(ascii: "w") && end - start > 4 && text[start + 3] == UInt8(ascii: ".") {
                    needsMerge = true
                } else if first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") && end - start >= 4
                    && EntityMerger.isTicker(text, start..<end)
                {
                    kind = .ticker
                }
            } else if kind == .punctuation && (first == UInt8(ascii: "@") || first == UInt8(ascii: "#")) {
                needsMerge = true
            }
        }
        (batch.baseAddress! + count).initialize(to: Token(offset: start, length: end - start, kind: kind))
        count += 1
    }

    mutating func flush() {
        tokens.append(contentsOf: UnsafeBufferPointer(rebasing: batch[0..<count]))
        count = 0
    }
}

/// Joins the tokens of URLs, e-mail addresses, hashtags, mentions and tickers, in place, in one pass.
struct EntityMerger {
    let text: UnsafeRawBufferPointer

    func merge(_ tokens: inout [Token], from first: Int) {
        let kept = tokens.withUnsafeMutableBufferPointer { buffer in merge(buffer, from: first) }
        tokens.removeSubrange(kept..<tokens.count)
    }

    /// Merges in place; returns the new end. Cheap first-byte tests keep the common token to a few compares.
    private func merge(_ tokens: UnsafeMutableBufferPointer<Token>, from first: Int) -> Int {
        var write = first
        var read = first
        let count = tokens.count
        while read < count {
            let token = tokens[read]
            let byte = text[token.offset]
            if token.kind == .word {
                let lower = byte | 0x20
                if lower == UInt8(ascii: "h") || lower == UInt8(ascii: "f") || lower == UInt8(ascii: "w"), let urlEnd = urlEnd(at: token) {
                    var last = read
                    while last + 1 < count && tokens[last + 1].offset < urlEnd { last += 1 }
                    tokens[write] = Token(offset: token.offset, length: max(urlEnd, tokens[last].end) - token.offset, kind: .url)
                    write += 1
                    read = last + 1
                    continue
                }
                tokens[write] = token
                write += 1
                read += 1
                continue
            }
            if token.kind == .punctuation && token.length == 1 && (byte == UInt8(ascii: "@") || byte == UInt8(ascii: "#")) && read + 1 < count {
                let next = tokens[read + 1]
                let adjacentNext = next.offset == token.end && (next.kind == .word || next.kind == .alphanumeric || next.kind == .number)
                if byte == UInt8(ascii: "@") && adjacentNext && write > first && tokens[write - 1].end == token.offset {
                    if let (start, end, lastIndex) = email(tokens, write: write, first: first, at: read) {
                        write = start
                        tokens[write] = Token(offset: tokens[write].offset, length: end - tokens[write].offset, kind: .email)
                        write += 1
                        read = lastIndex + 1
                        continue
                    }
                }
                let standsAlone = write == first || tokens[write - 1].end < token.offset || tokens[write - 1].kind == .punctuation
                if adjacentNext && standsAlone && next.kind != .number {
                    tokens[write] = Token(offset: token.offset, length: next.end - token.offset, kind: byte == UInt8(ascii: "#") ? .hashtag : .mention)
                    write += 1
                    read += 2
                    continue
                }
            }
            tokens[write] = token
            write += 1
            read += 1
        }
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
        func has(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard start + count <= text.count else { return false }
            return prefix.withUTF8Buffer { p in
                for i in 0..<count where asciiLower(text[start + i]) != p[i] { return false }
                return true
            }
        }
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
