/// What an article's text looks like to near-duplicate detection: a MinHash sketch of its word 5-grams and a
/// hash of its whole normalised text.
///
/// The words are Winnow's own tokens (words, alphanumerics, ideographs and numbers; punctuation and symbols
/// are not words), case-folded; numbers are kept as written, since copies of a story differ in their figures.
/// Combining marks stay part of their word, as in the Unicode definition of a word character: two Arabic copies
/// that differ in their diacritics (harakat) differ in those words, which is what the gold standard of the
/// shared corpus counts too (stripping marks would find more pairs, some of them not copies).
///
/// Shingles are the word 5-grams (a text of one to four words is one shingle). The sketch is one-permutation
/// MinHash: each shingle's 64-bit hash picks one of 256 bins by its top byte, and each bin keeps the smallest
/// hash it gets; a bin is stored in 4 bits (0: empty, 1–15: the minimum's top bits scaled to 1–15), 128 bytes
/// in all.
/// The Jaccard similarity of two texts is estimated from the bins that are not empty in both (Li, Owen and
/// Zhang's estimator for one-permutation hashing), corrected for 4-bit values that agree by chance.
public struct DuplicateSignature: Sendable, Equatable {
    public static let bins = 256
    /// Bytes of a stored sketch.
    public static let sketchBytes = bins / 2
    /// Words per shingle.
    public static let shingleWords = 5

    /// The sketch, two bins a byte (the even bin in the low nibble), as 16 little-endian words.
    public var sketch: SIMD16<UInt64>
    /// A 64-bit hash of every word in order: equal for texts whose words are the same (an exact copy, up to
    /// case, spaces and punctuation).
    public var exact: UInt64
    public init(sketch: SIMD16<UInt64>, exact: UInt64) {
        self.sketch = sketch
        self.exact = exact
    }

    /// The signature of a text given as the term hashes of its words, in order (`Analyzer.withTerms`); nil
    /// for a text without words, which is nobody's duplicate.
    ///
    /// - Complexity: O(n) in the words, plus O(bins).
    public init?(terms: UnsafeBufferPointer<UInt32>) {
        guard !terms.isEmpty else { return nil }
        var exact: UInt64 = 0xCBF2_9CE4_8422_2325
        for term in terms { exact = (exact ^ UInt64(term)) &* 0x0000_0100_0000_01B3 }
        self.exact = Self.avalanche(exact)
        let n = terms.count
        let t = terms.baseAddress!
        sketch = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.bins) { minima in
            minima.initialize(repeating: .max)
            @inline(__always) func add(_ hash: UInt64) {
                let bin = Int(truncatingIfNeeded: hash >> 56)
                // Without a branch: a bin's first few shingles lower its minimum about half the time, which no
                // predictor guesses.
                minima[bin] = min(minima[bin], hash & 0x00FF_FFFF_FFFF_FFFF)
            }
            if n < Self.shingleWords {
                var h = UInt64(n)
                for i in 0..<n { h = (h &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(t[i]) }
                add(Self.avalanche(h))
            } else {
                for i in 0...(n - Self.shingleWords) {
                    // Five 32-bit terms into 64 bits: two pairs by independent multipliers and the fifth, then a
                    // finalizer, so that the top byte (the bin) and the rest (the value) are well mixed.
                    let a = (UInt64(t[i]) << 32 | UInt64(t[i + 1])) &* 0x9E37_79B9_7F4A_7C15
                    let b = (UInt64(t[i + 2]) << 32 | UInt64(t[i + 3])) &* 0xC2B2_AE3D_27D4_EB4F
                    let c = UInt64(t[i + 4]) &* 0x1656_67B1_9E37_79F9
                    add(Self.avalanche(a ^ (b >> 1) ^ (c << 1) ^ c))
                }
            }
            var words = SIMD16<UInt64>()
            for word in 0..<16 {
                var packed: UInt64 = 0
                for k in 0..<16 {
                    let m = minima[word &* 16 &+ k]
                    // 1 to 15 from the minimum's low 16 bits, which are uniform (its top bits are not: a minimum is
                    // small), without a division; 0 for an empty bin.
                    let nibble = m == .max ? 0 : 1 &+ (((m & 0xFFFF) &* 15) >> 16)
                    packed |= nibble << UInt64(4 * k)
                }
                words[word] = packed
            }
            return words
        }
    }

    /// A 64-bit finalizer (MurmurHash3's): every input bit moves every output bit.
    @inline(__always)
    static func avalanche(_ x: UInt64) -> UInt64 {
        var x = x
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets, from 0 to 1.
    ///
    /// - Complexity: O(bins): the 16 words of both sketches at once, then three population counts per word.
    public func similarity(to other: DuplicateSignature) -> Double {
        if exact == other.exact { return 1 }
        // One bit (the lowest of each nibble) per bin: filled in a, filled in b, holding the same value.
        let filledA = Self.nonzeroNibbles(sketch)
        let filledB = Self.nonzeroNibbles(other.sketch)
        let eitherBits = filledA | filledB
        let bothBits = filledA & filledB
        let equalBits = bothBits & ~Self.nonzeroNibbles(sketch ^ other.sketch)
        var either = 0
        var both = 0
        var equal = 0
        for k in 0..<16 {
            either &+= eitherBits[k].nonzeroBitCount
            both &+= bothBits[k].nonzeroBitCount
            equal &+= equalBits[k].nonzeroBitCount
        }
        guard either > 0 else { return 0 }
        // Values of different minima agree by chance one time in 15.
        let chance = 1.0 / 15
        let same = max(0, (Double(equal) - chance * Double(both)) / (1 - chance))
        return min(1, same / Double(either))
    }

    /// The lowest bit of every nibble of `x` that is not zero, in all 16 words at once.
    @inline(__always)
    static func nonzeroNibbles(_ x: SIMD16<UInt64>) -> SIMD16<UInt64> {
        (x | x &>> 1 | x &>> 2 | x &>> 3) & SIMD16(repeating: 0x1111_1111_1111_1111)
    }

    /// The value of bin `i` (0: empty).
    public func bin(_ i: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (sketch[i / 16] >> UInt64(4 * (i % 16))) & 0x0F)
    }

    /// Most bands an index may use.
    public static let maxBands = 16

    /// The keys the index files this signature under: `bands` keys (at most `maxBands`) of `rows` bins each,
    /// from the sketch with every empty bin filled from the next filled one (so that texts with few shingles
    /// still share bands with their copies), mixed with the band's number. Keys depend only on the stored
    /// sketch; a sketch with no filled bin has none (`count` 0).
    public func bandKeys(bands: Int, rows: Int) -> (keys: SIMD16<UInt32>, count: Int) {
        let bands = min(bands, Self.maxBands)
        let needed = bands * rows
        guard needed > 0, sketch != SIMD16<UInt64>() else { return (SIMD16<UInt32>(), 0) }
        // Bin i is nibble i of the sketch's bytes (little-endian words, low nibble first).
        return withUnsafeBytes(of: sketch) { bytes in
            @inline(__always) func bin(_ i: Int) -> Int {
                Int(truncatingIfNeeded: bytes[(i >> 1) & (Self.bins / 2 - 1)] >> UInt8((i & 1) << 2)) & 0xF
            }
            var keys = SIMD16<UInt32>()
            for band in 0..<bands {
                var h = UInt64(band) &* 0x9E37_79B9_7F4A_7C15
                for r in 0..<rows {
                    var i = band &* rows &+ r
                    var value = bin(i)
                    if value == 0 {
                        var distance = 0
                        repeat {
                            i &+= 1
                            distance &+= 1
                            value = bin(i)
                        } while value == 0
                        value = (value &- 1 &+ distance % 15) % 15 &+ 1
                    }
                    h = (h << 4) | UInt64(value)
                }
                keys[band] = UInt32(truncatingIfNeeded: Self.avalanche(h) >> 32)
            }
            return (keys, bands)
        }
    }
}
