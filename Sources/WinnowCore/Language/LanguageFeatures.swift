import CSIMD

/// The features language identification reads from a text: every letter trigram of every word written in one
/// script (the word padded with a space at each end, so its first and last letters make trigrams of their own),
/// and each whole word of a script that separates its words, all case-folded and hashed to 32 bits.
///
/// A word of n letters gives n trigrams and one word feature. Scripts written without spaces (Han and kana)
/// give every letter and every pair of letters instead: their runs are phrases, not words, and their
/// trigrams are too many to hash apart. Letters of other scripts, digits and
/// punctuation only separate words; a combining mark continues the word of the letter before it. The scanner
/// is resumable, so a caller can stop as soon as it has read enough (`LanguageIdentifier`), and the
/// model's generator reads exactly the features the identifier reads.
struct LanguageFeatureScanner {
    /// The script whose words are read.
    let script: Script
    private var offset = 0
    /// The last three scalars read (21 bits each, the oldest highest; spaces before a word's first letters),
    /// the word's hash so far, and its length in letters (0: between words).
    private var key: UInt64 = 0x20 << 21 | 0x20
    private var wordHash: UInt64 = Self.wordHashStart
    private var wordLength = 0

    /// Words longer than this many letters give trigrams but no word feature (they are rarely seen twice).
    static let maxWordLetters = 24
    private static let wordHashStart: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let keyMask: UInt64 = (1 << 63) - 1
    private static let pairMask: UInt64 = (1 << 42) - 1

    /// The table the features will be looked up in, if any: each feature's row is prefetched as soon as the
    /// feature is known, so that its cache miss overlaps with the scanning of the words after it.
    private let rows: UnsafeRawPointer?
    private let rowShift: UInt32
    private let rowStride: Int

    init(script: Script, rows: UnsafeRawPointer? = nil, hashBits: Int = 32, stride: Int = 0) {
        self.script = script
        self.rows = rows
        rowShift = UInt32(32 - hashBits)
        rowStride = stride
    }

    /// The word feature of a word's hash.
    @inline(__always)
    static func wordFeature(_ wordHash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((wordHash ^ 0x5555_5555) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }

    /// Bytes of the text read so far.
    var bytesConsumed: Int { offset }

    /// Whether the whole text has been read.
    func isFinished(_ text: UnsafeRawBufferPointer) -> Bool { offset >= text.count && wordLength == 0 }

    /// Writes up to `capacity` features of `text` into `out`, continuing where the last call stopped; returns
    /// how many it wrote (0 only at the end of the text, which also ends the last word).
    ///
    /// - Complexity: O(n) over the calls; ASCII letters are folded and classed without a table.
    mutating func next(_ text: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt32>, capacity: Int) -> Int {
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self), capacity >= 2 else { return 0 }
        let end = base + text.count
        var p = base + offset
        var written = 0
        let latin = script == .latin
        let words = script.separatesWords
        let table = Script.bmpTable
        let folding = UnicodeProperties.smallFolding
        // The state lives in registers while scanning and is stored back at the end.
        var key = self.key
        var wordHash = self.wordHash
        var wordLength = self.wordLength
        let rows = self.rows ?? UnsafeRawPointer(bitPattern: 64)!
        let prefetching = self.rows != nil
        let rowShift = self.rowShift
        let rowStride = self.rowStride
        @inline(__always) func emit(_ feature: UInt32) {
            out[written] = feature
            written &+= 1
            if prefetching { winnow_prefetch(rows + Int(truncatingIfNeeded: feature >> rowShift) &* rowStride) }
        }
        // Room for a trigram and a word feature at every step.
        let limit = capacity - 2
        while written <= limit {
            var letter: UInt32 = 0
            var isLetter = false
            if p < end {
                let b = p.pointee
                if b < 0x80 {
                    p += 1
                    letter = UInt32(b | 0x20)
                    isLetter = latin && letter &- 0x61 < 26
                } else {
                    let decoded = UTF8Bytes.decode(p, end)
                    p += decoded.length
                    let s = Script.of(decoded.scalar, table: table)
                    isLetter = s == script || (s == .inherited && wordLength > 0)
                    if isLetter { letter = UnicodeProperties.fold(decoded.scalar, small: folding) }
                }
            } else if wordLength == 0 {
                break
            }
            if isLetter {
                key = (key << 21 | UInt64(letter)) & Self.keyMask
                if !words {
                    emit(Self.mix(UInt64(letter)))
                    emit(Self.mix(key & Self.pairMask))
                } else if wordLength > 0 {
                    emit(Self.mix(key))
                }
                wordHash = (wordHash ^ UInt64(letter)) &* 0x0000_0100_0000_01B3
                wordLength &+= 1
            } else if wordLength > 0 {
                // The word ends: its last trigram (or pair) with a space, and the word itself.
                key = (key << 21 | 0x20) & Self.keyMask
                emit(Self.mix(words ? key : key & Self.pairMask))
                if words && wordLength <= Self.maxWordLetters {
                    emit(Self.wordFeature(wordHash))
                }
                key = 0x20 << 21 | 0x20
                wordHash = Self.wordHashStart
                wordLength = 0
            }
        }
        self.key = key
        self.wordHash = wordHash
        self.wordLength = wordLength
        offset = p - base
        return written
    }

    /// Three scalars packed as in `key` (a letter pair or a single letter has zeros before it: no trigram
    /// starts with 0, as its first scalar is a letter or a space), mixed into 32 bits.
    @inline(__always)
    static func mix(_ key: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (key &* 0xD6E8_FEB8_6659_FD93) >> 32)
    }
}
