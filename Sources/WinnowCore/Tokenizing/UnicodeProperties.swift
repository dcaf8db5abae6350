/// Per-code-point properties for segmentation, from the generated `UnicodeTables.swift`.
///
/// The ranges are expanded once into a flat table of 16-bit values (2.2 MB, built in about a millisecond), so
/// a lookup is one load; ASCII, which dominates news text, stays in a few cache lines.
@usableFromInline
struct UnicodeProperties {
    @usableFromInline
    static let table: [UInt16] = {
        // Code points in no range have value 0 (Other, Other): a symbol segment.
        let unlisted = segmentClass(segmentFlags(0, scalar: 0x80)) << 13
        var table = [UInt16](repeating: unlisted, count: 0x110000)
        table.withUnsafeMutableBufferPointer { t in
            for packed in unicodePropertyRanges {
                let start = Int(packed & 0x1F_FFFF)
                let end = Int((packed >> 21) & 0x1F_FFFF)
                var value = UInt16(truncatingIfNeeded: packed >> 42)
                value |= segmentClass(segmentFlags(value, scalar: 0x80)) << 13
                for cp in start...end { t[cp] = value }
            }
        }
        return table
    }()

    /// The segment flags of a code point in 3 bits (stored in bits 13–15 of the table), so the word
    /// segmenter classifies a non-ASCII character with a shift instead of a chain of tests.
    /// Order: none, mark, emoji, letter, ideograph, digit, punctuation, symbol.
    static func segmentClass(_ flags: SegmentFlags) -> UInt16 {
        switch flags {
        case .markCharacter: return 1
        case .emojiCharacter: return 2
        case .letterCharacter: return 3
        case .ideographCharacter: return 4
        case .digitCharacter: return 5
        case .punctuationCharacter: return 6
        case .symbolCharacter: return 7
        default: return 0
        }
    }

    /// The segment flags stored in a table value (the inverse of `segmentClass`).
    @inlinable @inline(__always)
    static func storedSegmentFlags(_ value: UInt16) -> SegmentFlags {
        let c = UInt32(value >> 13)
        let bit = (0x5412_0370 as UInt32 &>> (c &* 4)) & 0xF
        return SegmentFlags(rawValue: c == 0 ? 0 : UInt16(truncatingIfNeeded: 0x40 | (1 as UInt32) &<< bit))
    }

    // The three property enums are read from table values by a bit cast: their raw values are implicit (their
    // case indices, from zero), which is how a case without payload is stored, and the generator writes only
    // valid ones (`Tokenizer.propertyTableInconsistencies` checks every code point). `init(rawValue:)` was a
    // call at every character: the optimizer did not inline the synthesized initializer.

    @inlinable @inline(__always)
    static func wordBreak(_ value: UInt16) -> WordBreakProperty {
        unsafeBitCast(UInt8(truncatingIfNeeded: value & 0x1F), to: WordBreakProperty.self)
    }

    @inlinable @inline(__always)
    static func sentenceBreak(_ value: UInt16) -> SentenceBreakProperty {
        unsafeBitCast(UInt8(truncatingIfNeeded: (value >> 5) & 0xF), to: SentenceBreakProperty.self)
    }

    @inlinable @inline(__always)
    static func isExtendedPictographic(_ value: UInt16) -> Bool { value & 0x200 != 0 }

    @inlinable @inline(__always)
    static func category(_ value: UInt16) -> CategoryClass {
        unsafeBitCast(UInt8(truncatingIfNeeded: (value >> 10) & 0x7), to: CategoryClass.self)
    }

    /// Simple case folding of one scalar (CaseFolding.txt statuses C and S).
    static let folding: [UInt32: UInt32] = {
        var map: [UInt32: UInt32] = [:]
        map.reserveCapacity(simpleCaseFoldingPairs.count)
        for pair in simpleCaseFoldingPairs {
            map[UInt32(pair >> 21)] = UInt32(pair & 0x1F_FFFF)
        }
        return map
    }()

    /// Folded forms below U+3000 as a direct table (0 = unchanged): the cased scripts live there.
    nonisolated(unsafe) static let smallFolding: UnsafeBufferPointer<UInt32> = {
        // Written once here, then only read; never freed: loops hold its pointer (see `fold(_:small:)`).
        let table = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 0x3000)
        table.initialize(repeating: 0)
        for pair in simpleCaseFoldingPairs where pair >> 21 < 0x3000 {
            table[Int(pair >> 21)] = UInt32(pair & 0x1F_FFFF)
        }
        return UnsafeBufferPointer(table)
    }()

    @inline(__always)
    static func fold(_ scalar: UInt32) -> UInt32 {
        fold(scalar, small: smallFolding)
    }

    /// `fold` with `smallFolding` in hand (a loop takes it once: each access to a lazy global is a call).
    @inline(__always)
    static func fold(_ scalar: UInt32, small: UnsafeBufferPointer<UInt32>) -> UInt32 {
        // Hebrew, Arabic and the Indic and Southeast Asian scripts (U+0580–U+109F) have no case: no lookup.
        if scalar >= uncasedMiddleStart && scalar < uncasedMiddleEnd { return scalar }
        if scalar < 0x3000 {
            let folded = small[Int(scalar)]
            return folded == 0 ? scalar : folded
        }
        // CJK, kana and Hangul have no case: no lookup for them (a test checks the table agrees).
        if scalar < uncasedEnd || (scalar >= hangulStart && scalar < fullwidthLatinStart) { return scalar }
        return folding[scalar] ?? scalar
    }

    static let uncasedMiddleStart: UInt32 = 0x0580
    static let uncasedMiddleEnd: UInt32 = 0x10A0
    /// U+3000 up to here (Cyrillic Extended-B) has no case folding.
    static let uncasedEnd: UInt32 = 0xA640
    /// From the Hangul syllables up to the fullwidth Latin capitals, no case folding either.
    static let hangulStart: UInt32 = 0xAC00
    static let fullwidthLatinStart: UInt32 = 0xFF21
}

extension Analyzer {
    /// Scalars for which the case folding the analyzer uses (with its shortcuts for scripts without case)
    /// differs from the folding table itself (should be none).
    @_spi(Testing) public static func foldingInconsistencies() -> [UInt32] {
        (UInt32(0)..<0x110000).filter { scalar in
            UnicodeProperties.fold(scalar) != (UnicodeProperties.folding[scalar] ?? scalar)
        }
    }
}

extension WordSegmenter {
    /// Code points whose segment flags stored in the table differ from the flags computed from their
    /// properties (should be none), and ASCII bytes that the fast tokenizer's assumptions do not hold for.
    @_spi(Testing) public static func tableInconsistencies() -> [UInt32] {
        var wrong: [UInt32] = []
        for scalar in UInt32(0x80)..<0x110000 {
            let value = UnicodeProperties.table[Int(scalar)]
            if UnicodeProperties.storedSegmentFlags(value) != segmentFlags(value, scalar: scalar) { wrong.append(scalar) }
        }
        for byte in UInt32(0)..<0x80 {
            switch UnicodeProperties.wordBreak(UnicodeProperties.table[Int(byte)]) {
            case .extend, .format, .zwj, .regionalIndicator, .katakana, .hebrewLetter: wrong.append(byte)
            default: break
            }
        }
        return wrong
    }
}


extension Tokenizer {
    /// The code points whose table value holds a property outside its enum's cases, or one that the bit cast
    /// reads differently from `init(rawValue:)` (should be none).
    @_spi(Testing) public static func propertyTableInconsistencies() -> [UInt32] {
        var wrong: [UInt32] = []
        for (codePoint, value) in UnicodeProperties.table.enumerated() {
            let word = WordBreakProperty(rawValue: UInt8(value & 0x1F))
            let sentence = SentenceBreakProperty(rawValue: UInt8((value >> 5) & 0xF))
            let category = CategoryClass(rawValue: UInt8((value >> 10) & 0x7))
            if word == nil || sentence == nil || category == nil || word != UnicodeProperties.wordBreak(value)
                || sentence != UnicodeProperties.sentenceBreak(value) || category != UnicodeProperties.category(value)
            {
                wrong.append(UInt32(codePoint))
            }
        }
        return wrong
    }
}
