/// Sentences for analysis: UAX #29 sentence boundaries, then (optionally) an abbreviation layer for English
/// news that removes the boundaries UAX #29 puts after "Mr.", "U.S.", "Jan.", initials and "No." before a number.
public struct SentenceSplitter: Sendable {
    /// Whether to apply the abbreviation layer.
    public var abbreviations: Bool

    public init(abbreviations: Bool = true) {
        self.abbreviations = abbreviations
    }

    /// Appends the byte ranges of the sentences of `text`, without their surrounding white space.
    ///
    /// - Complexity: O(n).
    public func split(_ text: UnsafeRawBufferPointer, into sentences: inout [Range<Int>]) {
        var pendingStart: Int? = nil
        var pendingEnd = 0
        SentenceSegmenter().forEachSentence(text) { start, end in
            let trimmed = trimWhitespace(text, start..<end)
            guard !trimmed.isEmpty else { return }
            if let open = pendingStart {
                if abbreviations && continuesAfterAbbreviation(text, sentenceEnd: pendingEnd, next: trimmed.lowerBound) {
                    pendingEnd = trimmed.upperBound
                    return
                }
                sentences.append(open..<pendingEnd)
            }
            pendingStart = trimmed.lowerBound
            pendingEnd = trimmed.upperBound
        }
        if let open = pendingStart { sentences.append(open..<pendingEnd) }
    }

    /// Whether the sentence ending at `sentenceEnd` ends in an abbreviation's period that does not end it.
    func continuesAfterAbbreviation(_ text: UnsafeRawBufferPointer, sentenceEnd: Int, next: Int) -> Bool {
        guard sentenceEnd >= 2, text[sentenceEnd - 1] == UInt8(ascii: ".") else { return false }
        // A paragraph break always ends a sentence.
        var newlines = 0
        for i in sentenceEnd..<next where text[i] == 0x0A { newlines += 1 }
        if newlines >= 2 { return false }
        // The word before the period, dots inside it included ("U.S", "e.g").
        var start = sentenceEnd - 1
        while start > 0 && (isASCIILetter(text[start - 1]) || (text[start - 1] == UInt8(ascii: ".") && start - 1 > 0 && isASCIILetter(text[start - 2]))) {
            start -= 1
        }
        let length = sentenceEnd - 1 - start
        guard length >= 1, length <= 8 else { return false }
        if start > 0, text[start - 1] >= 0x80 || isASCIIAlphanumeric(text[start - 1]) { return false }
        if length == 1 && text[start] >= UInt8(ascii: "A") && text[start] <= UInt8(ascii: "Z") { return true }  // an initial
        var key: UInt64 = 0
        for k in start..<(sentenceEnd - 1) { key = key << 8 | UInt64(asciiLower(text[k])) }
        if key == numberAbbreviation {
            return next < text.count && text[next] >= 0x30 && text[next] <= 0x39  // "No. 5"
        }
        return packedAbbreviations.contains(key)
    }
}

private let numberAbbreviation: UInt64 = UInt64(UInt8(ascii: "n")) << 8 | UInt64(UInt8(ascii: "o"))

extension SentenceSplitter {
    /// Abbreviations of English news that take a period without ending a sentence ("no" only before a number).
    @_spi(Testing) public static let englishAbbreviations = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "gov", "sen", "rep", "rev", "col",
        "lt", "capt", "sgt", "cmdr", "adm", "pres", "supt", "det", "insp", "inc", "ltd", "co", "corp", "plc",
        "bros", "vs", "etc", "approx", "nos", "vol", "fig", "al", "est", "dept", "univ", "assn", "ave",
        "blvd", "rd", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
        "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "e.g", "i.e", "u.s", "u.k", "u.n",
        "a.m", "p.m", "d.c", "no",
    ]
}

/// `SentenceSplitter.englishAbbreviations`, each packed as ASCII in a UInt64.
private let packedAbbreviations = PackedWordSet(
    SentenceSplitter.englishAbbreviations.map { word in word.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
)

/// A set of nonzero 64-bit keys in a table of 256 slots (open addressing): a multiply and a shift find the
/// first slot. The lookup runs at every period of a text; a `Set` hashed each key with `Hasher` there.
private struct PackedWordSet: Sendable {
    /// Zero: a free slot.
    private var slots = [UInt64](repeating: 0, count: 256)

    init(_ keys: [UInt64]) {
        precondition(keys.count <= 128 && !keys.contains(0), "PackedWordSet holds at most 128 nonzero keys")
        for key in keys {
            var slot = Self.slot(key)
            while slots[slot] != 0 && slots[slot] != key { slot = (slot + 1) & 255 }
            slots[slot] = key
        }
    }

    @inline(__always)
    private static func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }

    func contains(_ key: UInt64) -> Bool {
        var slot = Self.slot(key)
        while true {
            let found = slots[slot]
            if found == 0 { return false }
            if found == key { return true }
            slot = (slot + 1) & 255
        }
    }
}
