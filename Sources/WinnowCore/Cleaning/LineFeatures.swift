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
    var separators = 0

    init(_ line: UnsafeRawBufferPointer) {
        guard let raw = line.baseAddress, line.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + line.count
        var p = base
        var wordStart: UnsafePointer<UInt8>? = nil
        let table = StopwordTable.shared
        func finishWord(_ wordEnd: UnsafePointer<UInt8>) {
            guard let s = wordStart else { return }
            words += 1
            let first = s[0]
            if first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") { capitalised += 1 }
            let length = wordEnd - s
            if length <= 12 {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for k in 0..<length { h = (h ^ UInt64(asciiLower(s[k]))) &* 0x100_0000_01b3 }
                if table.contains(hash: h | 1) { stopwords += 1 }
            }
            wordStart = nil
        }
        while p < end {
            let b = p[0]
            if b == 0x20 || b == 0x09 {
                finishWord(p)
                p += 1
                continue
            }
            if b == UInt8(ascii: "|") || b == UInt8(ascii: ">") { separators += 1 }
            if b >= 0xE3 && b <= 0xE9 {
                // CJK ideographs and kana (U+3000–U+9FFF): one word each, as they are written without spaces.
                finishWord(p)
                words += 1
                p += min(3, end - p)
                continue
            }
            if wordStart == nil { wordStart = p }
            p += 1
        }
        finishWord(end)
        endsLikeSentence = Self.endsLikeSentence(line)
    }

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

