/// Finds sentence boundaries from tokens: terminal punctuation of many scripts followed by the start of a
/// new sentence, and paragraph breaks; abbreviations, initials and decimals do not end a sentence.
public struct SentenceSplitter: Sendable {
    public init() {}

    /// Appends the byte ranges of the sentences of `text` to `sentences`.
    ///
    /// - Parameters:
    ///   - text: the text that `tokens` were made from.
    ///   - tokens: the tokens of `text`.
    /// - Complexity: O(number of tokens).
    public func split(_ text: UnsafeRawBufferPointer, tokens: [Token], into sentences: inout [Range<Int>]) {
        guard !tokens.isEmpty else { return }
        var sentenceStart = tokens[0].offset
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            var boundaryAfter: Int?  // index of the last token of the sentence
            if token.kind == .punctuation, isTerminal(text, token) {
                // Closing quotes and brackets and repeated terminals belong to the sentence they end.
                var last = i
                while last + 1 < tokens.count, tokens[last + 1].kind == .punctuation,
                    tokens[last + 1].offset == tokens[last].offset + tokens[last].length,
                    isCloser(text, tokens[last + 1]) || isTerminal(text, tokens[last + 1])
                {
                    last += 1
                }
                if last + 1 == tokens.count || startsSentence(text, tokens[last + 1]),
                    !isAbbreviationPeriod(text, tokens, i)
                {
                    boundaryAfter = last
                }
            }
            if boundaryAfter == nil, i + 1 < tokens.count, hasParagraphBreak(text, from: token.offset + token.length, to: tokens[i + 1].offset) {
                boundaryAfter = i
            }
            if let last = boundaryAfter {
                let end = tokens[last].offset + tokens[last].length
                sentences.append(sentenceStart..<end)
                i = last + 1
                if i < tokens.count { sentenceStart = tokens[i].offset }
                continue
            }
            i += 1
        }
        if let lastSentence = sentences.last, lastSentence.upperBound >= tokens[tokens.count - 1].offset + tokens[tokens.count - 1].length {
            return
        }
        let final = tokens[tokens.count - 1]
        if sentenceStart < final.offset + final.length {
            sentences.append(sentenceStart..<(final.offset + final.length))
        }
    }

    private func isTerminal(_ text: UnsafeRawBufferPointer, _ token: Token) -> Bool {
        let b = text[token.offset]
        if token.length == 1 { return b == UInt8(ascii: ".") || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") }
        let scalar = scalarAt(text, token.offset)
        switch scalar {
        case 0x3002, 0xFF01, 0xFF1F, 0x061F, 0x0964, 0x0965, 0x2026, 0x203C, 0x2047, 0x2048, 0x2049, 0xFF0E, 0x06D4:
            return true
        default: return false
        }
    }

    private func isCloser(_ text: UnsafeRawBufferPointer, _ token: Token) -> Bool {
        let scalar = scalarAt(text, token.offset)
        switch scalar {
        case 0x22, 0x27, 0x29, 0x5D, 0x2019, 0x201D, 0xBB, 0x300D, 0x300F, 0xFF09, 0x3011: return true
        default: return false
        }
    }

    /// A new sentence starts with an upper-case letter, a digit, an opening quote, or any letter of a caseless script.
    private func startsSentence(_ text: UnsafeRawBufferPointer, _ token: Token) -> Bool {
        let scalar = scalarAt(text, token.offset)
        switch token.kind {
        case .number, .ideograph, .emoji: return true
        case .punctuation:
            switch scalar {
            case 0x22, 0x27, 0x28, 0x5B, 0x2018, 0x201C, 0xAB, 0x300C, 0x300E, 0x2014, 0x2013, 0x2D: return true
            default: return false
            }
        case .symbol: return true
        case .word, .alphanumeric:
            guard let s = Unicode.Scalar(scalar) else { return true }
            if s.properties.isLowercase { return false }
            return true
        }
    }

    /// A period after a known abbreviation, a single letter (an initial, "U.S."), or between digits.
    private func isAbbreviationPeriod(_ text: UnsafeRawBufferPointer, _ tokens: [Token], _ i: Int) -> Bool {
        guard text[tokens[i].offset] == UInt8(ascii: "."), tokens[i].length == 1, i > 0 else { return false }
        let previous = tokens[i - 1]
        guard previous.offset + previous.length == tokens[i].offset else { return false }
        guard previous.kind == .word else { return false }
        if previous.length == 1 { return true }
        guard previous.length <= 5 else { return false }
        var key: UInt64 = 0
        for k in 0..<previous.length { key = key << 8 | UInt64(asciiLower(text[previous.offset + k])) }
        return englishAbbreviations.contains(key)
    }

    private func hasParagraphBreak(_ text: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        var newlines = 0
        var k = from
        while k < to {
            if text[k] == 0x0A {
                newlines += 1
                if newlines >= 2 { return true }
            }
            k += 1
        }
        return false
    }

    private func scalarAt(_ text: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        let base = text.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return UTF8Bytes.decode(base + offset, base + text.count).scalar
    }
}

/// Abbreviations of English news that take a period without ending a sentence, packed as ASCII in a UInt64.
private let englishAbbreviations: Set<UInt64> = {
    let words = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "gov", "sen", "rep", "rev", "col",
        "lt", "capt", "sgt", "cmdr", "adm", "pres", "supt", "det", "insp", "inc", "ltd", "co", "corp", "plc",
        "bros", "vs", "etc", "approx", "no", "nos", "vol", "fig", "al", "est", "dept", "univ", "assn", "ave",
        "blvd", "rd", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
        "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "ph", "e.g", "i.e", "u.s", "u.k",
    ]
    return Set(words.map { word in word.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } })
}()
