#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What an article's text looks like to near-duplicate detection: a MinHash sketch of its word 5-grams, an odd
/// sketch of them, and a hash of its whole normalised text.
///
/// The words are Winnow's own tokens (words, alphanumerics, ideographs and numbers; punctuation and symbols
/// are not words), case-folded; numbers are kept as written, since copies of a story differ in their figures.
/// Combining marks stay part of their word, as in the Unicode definition of a word character: two Arabic copies
/// that differ in their diacritics (harakat) differ in those words, which is what the gold standard of the
/// shared corpus counts too (stripping marks would find more pairs, some of them not copies).
///
/// Shingles are the word 5-grams (a text of one to four words is one shingle), each hashed to 64 bits (see
/// `init(terms:)`). The 128 bytes of the sketch hold two things:
/// - **MinHash** (one-permutation): the hash's top 6 bits pick one of 64 bins, each bin keeps its smallest hash,
///   stored in 4 bits (0: empty, 1–15: the minimum's low bits scaled to 1–15). The index files an article under
///   bands of these bins (`bandKeys`); they are what finds candidates.
/// - **An odd sketch** (Mitzenmacher, Pagh and Pham, "Efficient estimation for high similarities using odd
///   sketches", WWW 2014) of 752 bits: each shingle flips one bit, so two texts' sketches differ in about the
///   shingles one has and the other lacks, and the size of that difference gives the Jaccard similarity once the
///   texts' shingle counts are known. Where MinHash samples 64 or 256 of the shingles, this counts all of them:
///   near the 0.8 threshold its estimate is two to three times as close. A text of more than 1,024 shingles is
///   sampled first (the shingles whose hash has `level` chosen bits zero, about 512 to 1,024 of them), so that the
///   sketch is never saturated; two texts sampled at different levels (long texts either side of a power-of-two
///   bound) are weighed by their 64 MinHash bins instead, a coarser estimate.
public struct DuplicateSignature: Sendable, Equatable {
    /// MinHash bins.
    public static let bins = 64
    /// Bits of the odd sketch.
    public static let oddBits = 752
    /// Bytes of a stored sketch: the bins' nibbles, the sample's 16-bit field, the odd sketch.
    public static let sketchBytes = bins / 2 + 2 + oddBits / 8
    /// Words per shingle.
    public static let shingleWords = 5
    /// Most shingles counted in the odd sketch without sampling.
    public static let unsampledShingles = 1024

    /// The sketch as 16 little-endian words: the 64 MinHash bins (two a byte, the even bin in the low nibble) in
    /// words 0–3; in word 4's low 16 bits the sample's level (top 4 bits) and its shingle count (12 bits); the odd
    /// sketch in the 752 bits after them.
    public var sketch: SIMD16<UInt64>
    /// A 64-bit hash of every word in order: equal for texts whose words are the same (an exact copy, up to
    /// case, spaces and punctuation).
    public var exact: UInt64
    public init(sketch: SIMD16<UInt64>, exact: UInt64) {
        self.sketch = sketch
        self.exact = exact
    }

    /// The sample's field (16 bits) starts at this bit of `sketch`, just after the bins' nibbles.
    static let sampleStart = bins * 4
    /// The odd sketch's first bit in the 1,024 bits of `sketch`.
    static let oddStart = sampleStart + 16
    /// Most sampling levels: the level's bits are hash bits 16 to 25 (see `init(terms:)`).
    static let maxLevel = 10

    /// How many of a text's shingles its odd sketch counts, and at what sampling level.
    public var sample: (level: Int, shingles: Int) {
        let field = Int(truncatingIfNeeded: (sketch[Self.sampleStart / 64] >> UInt64(Self.sampleStart % 64)) & 0xFFFF)
        return (field >> 12, field & 0xFFF)
    }

    /// The signature of a text given as the term hashes of its words, in order (`Analyzer.withTerms`); nil
    /// for a text without words, which is nobody's duplicate.
    ///
    /// - Complexity: O(n) in the words, plus O(bins).
    public init?(terms: UnsafeBufferPointer<UInt32>) {
        guard !terms.isEmpty else { return nil }
        exact = Self.exactHash(terms)
        let n = terms.count
        let t = terms.baseAddress!
        let shingles = max(1, n - Self.shingleWords + 1)
        // Past 1,024 shingles, the odd sketch counts those whose hash has `level` bits (from bit 16 up) zero: about
        // 512 to 1,024 of them. (Past the last level, over a million shingles, more: the count saturates at 4,095,
        // and a text of over four million shingles is found again only as an exact copy.)
        let over = (shingles - 1) / Self.unsampledShingles
        let level = min(Self.maxLevel, Int.bitWidth - over.leadingZeroBitCount)
        let sampleMask: UInt64 = ((1 << UInt64(level)) - 1) << 16
        sketch = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.bins + 16) { buffer in
            let minima = UnsafeMutableBufferPointer(rebasing: buffer[0..<Self.bins])
            let odd = UnsafeMutableBufferPointer(rebasing: buffer[Self.bins...])
            minima.initialize(repeating: .max)
            odd.initialize(repeating: 0)
            var sampled = 0
            // A shingle's hash: bits 58–63 pick its bin and the top 32 bits its bit in the odd sketch (the best-
            // mixed bits of a multiplicative hash: lower ones put two shingles of one text on one bit measurably
            // less often than chance, which biased the estimate down), bits 16–25 decide whether a sampled text
            // counts it, and bits 0–15 make its 4-bit value.
            @inline(__always) func add(_ hash: UInt64) {
                let bin = Int(truncatingIfNeeded: hash >> 58)
                // Without a branch: a bin's first few shingles lower its minimum about half the time, which no
                // predictor guesses. The hashes of one bin share their top bits, so the whole hash orders them.
                minima[bin] = min(minima[bin], hash)
                let taken: UInt64 = hash & sampleMask == 0 ? 1 : 0
                let bit = Self.oddStart &+ Int(truncatingIfNeeded: ((hash >> 32) &* UInt64(Self.oddBits)) >> 32)
                odd[bit >> 6] ^= taken << UInt64(bit & 63)
                sampled &+= Int(truncatingIfNeeded: taken)
            }
            if n < Self.shingleWords {
                var h = UInt64(n)
                for i in 0..<n { h = (h &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(t[i]) }
                add(Self.avalanche(h))
            } else {
                // A shingle's hash is the exclusive or of its words' 64-bit values, each rotated by its place
                // (a cyclic polynomial, as in rolling hashes), then one multiply and a shift mix it. Each
                // word's value is one multiply, shared by the five shingles it is in: about two multiplies a
                // shingle where a finalizer on each (MurmurHash3's) took five, at the same estimates.
                @inline(__always) func value(_ term: UInt32) -> UInt64 {
                    let x = UInt64(term) &* 0x9E37_79B9_7F4A_7C15
                    return x ^ (x >> 29)
                }
                // The sum rolls: the next shingle's is this one's without its first word, rotated right by 12 (left by 52),
                // with the new word's value rotated left by 48 (the same bits as summing all five afresh).
                var v0 = value(t[0]), v1 = value(t[1]), v2 = value(t[2]), v3 = value(t[3])
                var rolling = v0 ^ v1.rotatedLeft(by: 12) ^ v2.rotatedLeft(by: 24) ^ v3.rotatedLeft(by: 36)
                /// The shingle ending at word `i`, whose first word's value `first` then holds word i's.
                @inline(__always) func step(_ i: Int, _ first: inout UInt64) {
                    let v = value(t[i])
                    rolling ^= v.rotatedLeft(by: 48)
                    var h = rolling &* 0xC2B2_AE3D_27D4_EB4F
                    h ^= h >> 32
                    add(h)
                    rolling = (rolling ^ first).rotatedLeft(by: 52)
                    first = v
                }
                // Four shingles a turn, each replacing the oldest of the four values in place: after four, the
                // oldest is v0 again, and no value is moved.
                var i = 4
                while i &+ 4 <= n {
                    step(i, &v0)
                    step(i &+ 1, &v1)
                    step(i &+ 2, &v2)
                    step(i &+ 3, &v3)
                    i &+= 4
                }
                while i < n {
                    step(i, &v0)
                    (v0, v1, v2, v3) = (v1, v2, v3, v0)
                    i &+= 1
                }
            }
            var words = Self.pack(minima)
            for k in (Self.oddStart / 64)..<16 { words[k] = odd[k] }
            words[Self.sampleStart / 64] |= UInt64(level << 12 | min(sampled, 0xFFF)) << UInt64(Self.sampleStart % 64)
            return words
        }
    }

    /// The 64-bit hash of every word in order, from four interleaved multiply chains (one chain would wait on
    /// each multiply in turn).
    @inline(__always)
    static func exactHash(_ terms: UnsafeBufferPointer<UInt32>) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01B3
        var lanes = SIMD4<UInt64>(0xCBF2_9CE4_8422_2325, 0x8422_2325_CBF2_9CE4, 0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F)
        let t = terms.baseAddress!
        var i = 0
        while i + 4 <= terms.count {
            lanes = (lanes ^ SIMD4(UInt64(t[i]), UInt64(t[i + 1]), UInt64(t[i + 2]), UInt64(t[i + 3]))) &* prime
            i += 4
        }
        while i < terms.count {
            lanes[0] = (lanes[0] ^ UInt64(t[i])) &* prime
            i += 1
        }
        return avalanche(lanes[0] ^ lanes[1].rotatedLeft(by: 16) ^ lanes[2].rotatedLeft(by: 32) ^ lanes[3].rotatedLeft(by: 48) ^ UInt64(terms.count))
    }

    /// The bins' minima as nibbles, 16 bins a word (words 0–3): 1 to 15 from the minimum's low 16 bits, which are
    /// uniform (its top bits are not: a minimum is small), without a division; 0 for an empty bin.
    @inline(__always)
    static func pack(_ minima: UnsafeMutableBufferPointer<UInt64>) -> SIMD16<UInt64> {
        var words = SIMD16<UInt64>()
        for word in 0..<(Self.bins / 16) {
            var packed: UInt64 = 0
            for k in 0..<16 {
                let m = minima[word &* 16 &+ k]
                // Without a branch: empty bins are common in short texts.
                let keep: UInt64 = m == .max ? 0 : 0xF
                packed |= ((1 &+ (((m & 0xFFFF) &* 15) >> 16)) & keep) << UInt64(4 * k)
            }
            words[word] = packed
        }
        return words
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
    /// From the odd sketches when both texts were sampled alike (always, for texts of up to 1,024 shingles): the
    /// bits that differ, d of m, estimate the size of the shingles' symmetric difference as −(m/2)·ln(1 − 2d/m)
    /// (bits flipped by an even number of them read as unflipped), and with the texts' shingle counts a and b the
    /// similarity is (a + b − Δ) / (a + b + Δ). A shingle a text repeats flips its bit back, and is counted twice:
    /// the same in both copies of a text, so copies still compare alike. Otherwise, from the MinHash bins.
    ///
    /// - Complexity: O(1): 12 words' population counts and a logarithm, or 4 words' for the MinHash bins.
    public func similarity(to other: DuplicateSignature) -> Double {
        if exact == other.exact { return 1 }
        let (level, count) = sample
        let (otherLevel, otherCount) = other.sample
        guard level == otherLevel else { return minHashSimilarity(to: other) }
        let differ = sketch ^ other.sketch
        var bits = (differ[Self.oddStart / 64] >> UInt64(Self.oddStart % 64)).nonzeroBitCount
        for k in (Self.oddStart / 64 + 1)..<16 { bits &+= differ[k].nonzeroBitCount }
        let m = Double(Self.oddBits)
        let unflipped = 1 - 2 * Double(bits) / m
        guard unflipped > 0 else { return 0 }
        let difference = -m / 2 * log(unflipped)
        let total = Double(count + otherCount)
        return max(0, min(1, (total - difference) / (total + difference)))
    }

    /// The similarity from the MinHash bins alone: the share of bins filled in either text whose values agree
    /// (Li, Owen and Zhang's estimator for one-permutation hashing), corrected for 4-bit values that agree by
    /// chance.
    func minHashSimilarity(to other: DuplicateSignature) -> Double {
        // One bit (the lowest of each nibble) per bin: filled in a, filled in b, holding the same value.
        var either = 0
        var both = 0
        var equal = 0
        for k in 0..<(Self.bins / 16) {
            let filledA = Self.nonzeroNibbles(sketch[k])
            let filledB = Self.nonzeroNibbles(other.sketch[k])
            either &+= (filledA | filledB).nonzeroBitCount
            both &+= (filledA & filledB).nonzeroBitCount
            equal &+= (filledA & filledB & ~Self.nonzeroNibbles(sketch[k] ^ other.sketch[k])).nonzeroBitCount
        }
        guard either > 0 else { return 0 }
        // Values of different minima agree by chance one time in 15.
        let chance = 1.0 / 15
        let same = max(0, (Double(equal) - chance * Double(both)) / (1 - chance))
        return min(1, same / Double(either))
    }

    /// The lowest bit of every nibble of `x` that is not zero.
    @inline(__always)
    static func nonzeroNibbles(_ x: UInt64) -> UInt64 {
        (x | x >> 1 | x >> 2 | x >> 3) & 0x1111_1111_1111_1111
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
    ///
    /// An empty bin d places before a filled bin of value v reads as (v - 1 + d) mod 15 + 1: one pass from the
    /// last bin used back to the first fills them all, each from its right-hand neighbour.
    public func bandKeys(bands: Int, rows: Int) -> (keys: SIMD16<UInt32>, count: Int) {
        let bands = min(bands, Self.maxBands)
        let rows = min(rows, Self.bins / max(1, bands))
        let needed = bands * rows
        guard needed > 0, (0..<(Self.bins / 16)).contains(where: { sketch[$0] != 0 }) else { return (SIMD16<UInt32>(), 0) }
        // SIMD vectors are read and written through memory here: an element at a variable place is a slow access.
        var keys = SIMD16<UInt32>()
        withUnsafeBytes(of: sketch) { sketchBytes in
            let words = sketchBytes.bindMemory(to: UInt64.self)
            @inline(__always) func bin(_ i: Int) -> UInt64 {
                (words[(i >> 4) & (Self.bins / 16 - 1)] >> UInt64(4 * (i & 15))) & 0xF
            }
            // The last bin used, from the next filled one (past the end, around to the start).
            var next = bin(needed - 1)
            if next == 0 {
                var (i, distance) = (needed - 1, 0)
                repeat {
                    i &+= 1
                    distance &+= 1
                    next = bin(i)
                } while next == 0
                next = (next &- 1 &+ UInt64(distance % 15)) % 15 &+ 1
            }
            withUnsafeMutableBytes(of: &keys) { keyBytes in
                let out = keyBytes.bindMemory(to: UInt32.self)
                // One pass from the last bin used back to the first: each empty bin is filled from its right-hand
                // neighbour, and each band's field is built as its rows go by.
                var (band, row) = (bands - 1, rows - 1)
                var field: UInt64 = 0
                var i = needed - 1
                while true {
                    // Past 16 rows, the nibbles fold onto the field's 64 bits.
                    field ^= next << UInt64(4 * (row & 15)) &+ UInt64(row >> 4) &* 0x9E37_79B9_7F4A_7C15
                    if row == 0 {
                        out[band] = Self.bandKey(field, band: band)
                        guard band > 0 else { break }
                        (band, row, field) = (band - 1, rows - 1, 0)
                    } else {
                        row -= 1
                    }
                    i -= 1
                    let value = bin(i)
                    next = value != 0 ? value : (next == 15 ? 1 : next &+ 1)
                }
            }
        }
        return (keys, bands)
    }

    @inline(__always)
    private static func bandKey(_ field: UInt64, band: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: avalanche(field ^ UInt64(band &+ 1) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }
}
