/// Counts case-folded terms without allocating per token: an open-addressing table maps them to counts.
/// Reuse one counter across articles with `removeAll(expectedTerms:)`.
///
/// Terms of up to 16 bytes (nearly all) are keyed by their folded bytes packed into two 64-bit words, so
/// finding one is a multiply and a compare of two registers, and their bytes need no other storage; longer
/// terms by an FNV-1a hash and their folded bytes in an arena. A term's length decides its key, so the two
/// kinds never meet. `countWords` runs the whole token loop with the tables pinned, leaving it only to grow
/// them or to fold a term that is not ASCII.
///
/// The slots hold 32-bit indices into the dense entries, 20 bytes a slot, so that a text of millions of
/// distinct words (a list of ids) stays within the memory bound. Entries in the slots themselves (32 bytes a
/// slot, half of them free) were 4 % faster on news and took 297 MB instead of 197 MB for 16 MB of distinct
/// words.
struct TermCounter {
    struct Entry {
        /// The folded bytes, packed (terms of at most 16 bytes); zero otherwise.
        var low: UInt64
        var high: UInt64
        var count: Int32
        var length: Int32
        /// Where a longer term's bytes start in the arena.
        var offset: Int32
        var hash: UInt32

        /// What the room past the entries in use holds.
        static let unused = Entry(low: 0, high: 0, count: 0, length: 0, offset: 0, hash: 0)
    }

    /// The entries in use are the first `uniqueCount`; the rest is room, so adding one is a store.
    private var storage: [Entry] = Array(repeating: .unused, count: 512)
    private(set) var uniqueCount = 0
    private var slots: [Int32] = Array(repeating: -1, count: 1024)
    /// The entries counted more than once, each listed at its second occurrence; as much room as `storage`.
    private var repeated: [Int32] = Array(repeating: 0, count: 512)
    private var repeatedCount = 0
    private var arena: [UInt8] = []
    private var scratch: [UInt8] = []
    /// The hash `add` counted its term under (see `countWords(_:in:terms:)`).
    private var lastHash: UInt32 = 0
    /// How many term hashes the last `countWords` wrote.
    private(set) var termCount = 0

    init() {
        arena.reserveCapacity(1024)
        scratch.reserveCapacity(64)
    }

    /// Calls `body` with each distinct term, or with each term counted more than once when `repeatedOnly`,
    /// in no particular order (ranking them must not depend on it).
    func forEachTerm(repeatedOnly: Bool, _ body: (Entry) -> Void) {
        storage.withUnsafeBufferPointer { storage in
            if repeatedOnly {
                repeated.withUnsafeBufferPointer { repeated in
                    for index in repeated.prefix(repeatedCount) { body(storage[Int(index)]) }
                }
            } else {
                for entry in storage.prefix(uniqueCount) { body(entry) }
            }
        }
    }

    /// Empties the counter for a text with about `expectedTerms` distinct terms (at most), sizing the table
    /// to them: a table sized for the largest article so far would be cleared, and probed, out of cache.
    mutating func removeAll(expectedTerms: Int = 512) {
        arena.removeAll(keepingCapacity: true)
        uniqueCount = 0
        repeatedCount = 0
        var size = 256
        while size < expectedTerms * 2 && size < 1 << 20 { size <<= 1 }
        if slots.count == size {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
        } else {
            slots = Array(repeating: -1, count: size)
        }
        if storage.count < size / 2 {
            storage = Array(repeating: .unused, count: size / 2)
            repeated = Array(repeating: 0, count: size / 2)
        }
    }

    /// Counts the word-like tokens (words, alphanumerics, ideographs) of `tokens`, which index `text`.
    /// Returns how many there were and their total length in characters.
    ///
    /// - Parameter terms: when given, room for one value per token: the 32-bit hash of each word-like token's
    ///   folded form, and of each number's bytes, is written there in token order (the near-duplicate
    ///   signature's words), and `termCount` says how many.
    mutating func countWords(
        _ tokens: [Token],
        in text: UnsafeRawBufferPointer,
        terms: UnsafeMutablePointer<UInt32>? = nil
    ) -> (words: Int, characters: Int) {
        var words = 0
        var totalCharacters = 0
        var next = 0
        termCount = 0
        while next < tokens.count {
            // The fast loop: ASCII terms of up to 16 bytes, with every table pinned. It returns at a token it
            // leaves to `add` (longer or not ASCII) or when the table needs to grow.
            let startTerms = termCount
            let (stop, counted, characters, endTerms) = tokens.withUnsafeBufferPointer { tokens in
                withTables { tables in
                    var i = next
                    // In registers: the closure's captures would be loaded and stored at every word.
                    var counted = 0
                    var characters = 0
                    var termCount = startTerms
                    // Keep the table at most half full, and room for the next entry.
                    let limit = min(tables.slots.count / 2, tables.storage.count)
                    while i < tokens.count {
                        let token = tokens[i]
                        guard token.kind.isWordLike else {
                            if let terms, token.kind == .number {
                                terms[termCount] = Self.numberHash(text, token)
                                termCount &+= 1
                            }
                            i &+= 1
                            continue
                        }
                        let n = token.length
                        guard n <= 16, tables.uniqueCount < limit else { break }
                        let start = text.baseAddress!.assumingMemoryBound(to: UInt8.self) + token.offset
                        guard let key = Self.packedKey(start, count: n, readable: text.count - token.offset) else {
                            break
                        }
                        let hash = tables.count(key.low, key.high, length: key.length)
                        if let terms {
                            terms[termCount] = hash
                            termCount &+= 1
                        }
                        counted &+= 1
                        characters &+= key.characters
                        i &+= 1
                    }
                    return (i, counted, characters, termCount)
                }
            }
            words += counted
            totalCharacters += characters
            termCount = endTerms
            guard stop < tokens.count else { break }
            next = stop
            if uniqueCount >= min(slots.count / 2, storage.count) {
                grow()
                continue
            }
            words += 1
            totalCharacters += add(
                UnsafeRawBufferPointer(rebasing: text[tokens[stop].range]),
                readable: text.count - tokens[stop].offset
            )
            if let terms {
                terms[termCount] = lastHash
                termCount += 1
            }
            next = stop + 1
        }
        return (words, totalCharacters)
    }

    /// Adds one occurrence of the case-folded form of `word`; returns the word's length in characters.
    ///
    /// - Parameter readable: how many bytes from the word's start may be read (the text goes on after it),
    ///   so that short words load whole.
    @discardableResult
    mutating func add(_ word: UnsafeRawBufferPointer, readable: Int = 0) -> Int {
        guard let raw = word.baseAddress, word.count > 0 else { return 0 }
        if uniqueCount >= min(slots.count / 2, storage.count) { grow() }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let n = word.count
        if n <= 16 {
            if let key = Self.packedKey(base, count: n, readable: max(readable, n)) {
                lastHash = withTables { $0.count(key.low, key.high, length: key.length) }
                return key.characters
            }
        } else {
            var ascii = true
            var hash = Self.hashStart
            for k in 0..<n {
                let b = base[k]
                if b >= 0x80 {
                    ascii = false
                    break
                }
                hash = Self.hash(hash, asciiLower(b))
            }
            if ascii {
                insert(UnsafeBufferPointer(start: base, count: n), hash: hash, lowering: true)
                lastHash = hash
                return n
            }
            // A script without case (Devanagari words are mostly longer than 16 bytes): the bytes are their
            // folded form, hashed and stored as they are, with no folding into the scratch buffer.
            if let characters = CaseFolding.uncasedCharacters(base, count: n) {
                let bytes = UnsafeBufferPointer(start: base, count: n)
                lastHash = bytes.reduce(Self.hashStart, Self.hash)
                insert(bytes, hash: lastHash, lowering: false)
                return characters
            }
        }
        scratch.removeAll(keepingCapacity: true)
        CaseFolding.fold(word, into: &scratch)
        scratch.withUnsafeBufferPointer { folded in
            if folded.count <= 16 {
                let (low, high) = PackedStopwords.pack(folded.baseAddress!, count: folded.count, readable: folded.count)
                lastHash = withTables { $0.count(low, high, length: folded.count) }
            } else {
                lastHash = folded.reduce(Self.hashStart, Self.hash)
                insert(folded, hash: lastHash, lowering: false)
            }
        }
        return UTF8Bytes.scalarCount(word)
    }

    /// The 32-bit hash of a number token's bytes (numbers have no case), as terms of its length are hashed.
    @inline(__always)
    private static func numberHash(_ text: UnsafeRawBufferPointer, _ token: Token) -> UInt32 {
        let p = text.baseAddress!.assumingMemoryBound(to: UInt8.self) + token.offset
        guard token.length <= 16 else {
            return UnsafeBufferPointer(start: p, count: token.length).reduce(hashStart, hash)
        }
        let (low, high) = PackedStopwords.pack(p, count: token.length, readable: text.count - token.offset)
        return UInt32(truncatingIfNeeded: PackedStopwords.mix(low, high) >> 32)
    }

    /// A term longer than 16 bytes is keyed by the FNV-1a hash of its folded bytes: this is the hash before
    /// any byte, and `hash(_:_:)` takes in one more.
    private static let hashStart: UInt32 = 2_166_136_261

    @inline(__always)
    private static func hash(_ hash: UInt32, _ byte: UInt8) -> UInt32 {
        (hash ^ UInt32(byte)) &* 16_777_619
    }

    /// The key of a term of at most 16 bytes at `p`: its folded bytes packed (ASCII folded in the register,
    /// other scripts by the folding table) and their length, with the term's length in characters; nil when the
    /// folded form outgrows 16 bytes. `readable` is how many bytes from `p` may be read.
    @inline(__always)
    private static func packedKey(
        _ p: UnsafePointer<UInt8>,
        count: Int,
        readable: Int
    ) -> (low: UInt64, high: UInt64, length: Int, characters: Int)? {
        let (low, high) = PackedStopwords.pack(p, count: count, readable: readable)
        if (low | high) & 0x8080_8080_8080_8080 == 0 { return (low, high, count, count) }
        // Scripts without case fold to themselves: the packed bytes are the key.
        if let characters = CaseFolding.uncasedCharacters(p, count: count) { return (low, high, count, characters) }
        guard let folded = CaseFolding.foldPacked(p, count: count) else { return nil }
        return (folded.low, folded.high, folded.length, folded.characters)
    }

    /// The tables, pinned, with the counts of their entries.
    private struct Tables {
        let slots: UnsafeMutableBufferPointer<Int32>
        let storage: UnsafeMutableBufferPointer<Entry>
        let repeated: UnsafeMutableBufferPointer<Int32>
        var uniqueCount: Int
        var repeatedCount: Int

        /// Finds the packed term, or adds it as the next entry, and counts one occurrence, listing it in
        /// `repeated` at the second. The table must have room (see `grow`).
        ///
        /// Whether a term is new is a coin toss in English prose (about half an article's words are new to
        /// it), so nothing branches on it. The term is written into the next free entry, with a count of zero,
        /// before the probe, and a free slot leads there: the probe ends at the term's entry or at that one
        /// with one test, and the count goes up by one at whichever it is. (A branch on a free slot
        /// mispredicted on every other word; writing a found entry whole again cost the scripts whose
        /// characters are words, where few are new, 3 %.)
        @inline(__always) @discardableResult
        mutating func count(_ low: UInt64, _ high: UInt64, length: Int) -> UInt32 {
            let hash = UInt32(truncatingIfNeeded: PackedStopwords.mix(low, high) >> 32)
            let mask = slots.count &- 1
            let length = Int32(truncatingIfNeeded: length)
            let next = uniqueCount
            storage[next].low = low
            storage[next].high = high
            storage[next].count = 0
            storage[next].length = length
            storage[next].hash = hash
            var slot = Int(hash) & mask
            var index: Int
            while true {
                let listed = Int(slots[slot])
                index = listed < 0 ? next : listed
                if (storage[index].low ^ low) | (storage[index].high ^ high) == 0 && storage[index].length == length {
                    break
                }
                slot = (slot &+ 1) & mask
            }
            slots[slot] = Int32(truncatingIfNeeded: index)
            uniqueCount &+= index == next ? 1 : 0
            countAgain(index)
            return hash
        }

        /// Adds `entry` (counted once) as the next entry, found from the free `slot`.
        @inline(__always)
        mutating func append(_ entry: Entry, at slot: Int) {
            slots[slot] = Int32(truncatingIfNeeded: uniqueCount)
            storage[uniqueCount] = entry
            uniqueCount += 1
        }

        /// Counts one more occurrence of the entry at `index`, listing it in `repeated` at its second. (A count
        /// cannot overflow: an article has fewer than 2³¹ bytes, so fewer occurrences of any term.)
        @inline(__always)
        mutating func countAgain(_ index: Int) {
            let count = storage[index].count &+ 1
            storage[index].count = count
            // Always stored, counted only at the second occurrence: no branch.
            repeated[repeatedCount] = Int32(truncatingIfNeeded: index)
            repeatedCount &+= count == 2 ? 1 : 0
        }
    }

    private mutating func withTables<R>(_ body: (inout Tables) -> R) -> R {
        slots.withUnsafeMutableBufferPointer { slots in
            storage.withUnsafeMutableBufferPointer { storage in
                repeated.withUnsafeMutableBufferPointer { repeated in
                    var tables = Tables(
                        slots: slots,
                        storage: storage,
                        repeated: repeated,
                        uniqueCount: uniqueCount,
                        repeatedCount: repeatedCount
                    )
                    defer {
                        uniqueCount = tables.uniqueCount
                        repeatedCount = tables.repeatedCount
                    }
                    return body(&tables)
                }
            }
        }
    }

    /// Counts `bytes` (ASCII-lower-cased on the fly when `lowering`) under `hash` (terms over 16 bytes).
    private mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt32, lowering: Bool) {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        let found: Int? = arena.withUnsafeBufferPointer { arena in
            while true {
                let index = Int(slots[slot])
                if index < 0 { return nil }
                let entry = storage[index]
                if entry.hash == hash, Int(entry.length) == bytes.count, entry.length > 16 {
                    let stored = arena.baseAddress! + Int(entry.offset)
                    var equal = true
                    for k in 0..<bytes.count where stored[k] != (lowering ? asciiLower(bytes[k]) : bytes[k]) {
                        equal = false
                        break
                    }
                    if equal { return index }
                }
                slot = (slot + 1) & mask
            }
        }
        if let found {
            withTables { $0.countAgain(found) }
            return
        }
        let entry = Entry(low: 0, high: 0, count: 1, length: Int32(bytes.count), offset: Int32(arena.count), hash: hash)
        withTables { $0.append(entry, at: slot) }
        if lowering {
            for b in bytes { arena.append(asciiLower(b)) }
        } else {
            arena.append(contentsOf: bytes)
        }
    }

    /// The folded bytes of a term.
    func term(_ entry: Entry) -> [UInt8] {
        guard entry.length <= 16 else { return Array(arena[Int(entry.offset)..<Int(entry.offset + entry.length)]) }
        return withUnsafeBytes(of: (entry.low.littleEndian, entry.high.littleEndian)) {
            Array($0.prefix(Int(entry.length)))
        }
    }

    /// The folded bytes of a term as a string (up to 15 bytes, a string stored inline: no allocation).
    func termString(_ entry: Entry) -> String {
        guard entry.length <= 16 else { return String(decoding: term(entry), as: UTF8.self) }
        return withUnsafeBytes(of: (entry.low.littleEndian, entry.high.littleEndian)) {
            String(decoding: $0.prefix(Int(entry.length)), as: UTF8.self)
        }
    }

    /// Whether `a`'s bytes sort before `b`'s, compared as unsigned bytes; packed terms without copying them.
    func precedes(_ a: Entry, _ b: Entry) -> Bool {
        if a.length <= 16 && b.length <= 16 {
            // Byte order is the order of the big-endian words; zero padding sorts a prefix first.
            let (a0, b0) = (a.low.byteSwapped, b.low.byteSwapped)
            if a0 != b0 { return a0 < b0 }
            let (a1, b1) = (a.high.byteSwapped, b.high.byteSwapped)
            if a1 != b1 { return a1 < b1 }
            return a.length < b.length
        }
        return term(a).lexicographicallyPrecedes(term(b))
    }

    /// Doubles the table (and the room for entries) and puts every entry back.
    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        if storage.count < size / 2 {
            storage.append(contentsOf: repeatElement(.unused, count: size / 2 - storage.count))
            repeated.append(contentsOf: repeatElement(0, count: size / 2 - repeated.count))
        }
        let mask = size - 1
        for i in 0..<uniqueCount {
            var slot = Int(storage[i].hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }
}

/// Simple case folding (Unicode CaseFolding.txt, statuses C and S) on UTF-8 bytes, by table.
enum CaseFolding {
    /// The folded form of `count` bytes at `p` (as `fold` makes it), packed as `PackedStopwords.pack` packs
    /// a term, with its length, and the number of characters (scalars) of the bytes; nil when the folded form
    /// is longer than 16 bytes.
    @inline(__always)
    static func foldPacked(
        _ p: UnsafePointer<UInt8>,
        count: Int
    ) -> (low: UInt64, high: UInt64, length: Int, characters: Int)? {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var length = 0
        var characters = 0
        @inline(__always) func put(_ byte: UInt8) {
            if length < 8 {
                low |= UInt64(byte) << UInt64(8 * length)
            } else {
                high |= UInt64(byte) << UInt64(8 * (length - 8))
            }
            length += 1
        }
        let end = p + count
        var q = p
        while q < end {
            // One character per ASCII byte and per decoded sequence (an invalid one counts as its replacement),
            // as `UTF8Bytes.scalarCount` counts them.
            characters += 1
            let b = q[0]
            if b < 0x80 {
                guard length < 16 else { return nil }
                put(asciiLower(b))
                q += 1
                continue
            }
            let d = UTF8Bytes.decodeMultibyte(q, end)
            defer { q += d.length }
            if let replacement = replacement(for: d) {
                guard length + UTF8Bytes.encodedLength(replacement) <= 16 else { return nil }
                UTF8Bytes.encode(replacement, put)
            } else {
                guard length + d.length <= 16 else { return nil }
                for k in 0..<d.length { put(q[k]) }
            }
        }
        return (PackedStopwords.foldASCII(low), PackedStopwords.foldASCII(high), length, characters)
    }

    /// The number of characters of `count` bytes at `p` when each one is ASCII or a valid sequence of a script
    /// without case (lead bytes D6–DF: Hebrew, Arabic, Syriac, Thaana; E0: U+0800–U+0FFF, the Indic scripts;
    /// E3–E9: U+3000–U+9FFF, kana and CJK), so that the bytes fold to themselves with ASCII lower-cased; nil
    /// otherwise. No table, no decoding.
    @inline(__always)
    static func uncasedCharacters(_ p: UnsafePointer<UInt8>, count: Int) -> Int? {
        var i = 0
        var characters = 0
        while i < count {
            let b = p[i]
            if b < 0x80 {
                i += 1
            } else if b &- 0xD6 < 10 && i + 1 < count && p[i + 1] & 0xC0 == 0x80 {
                i += 2
            } else if (b == 0xE0 && i + 2 < count && p[i + 1] &- 0xA0 < 0x20 && p[i + 2] & 0xC0 == 0x80)
                || (b &- 0xE3 < 7 && i + 2 < count && p[i + 1] & 0xC0 == 0x80 && p[i + 2] & 0xC0 == 0x80)
            {
                i += 3
            } else {
                return nil
            }
            characters += 1
        }
        return characters
    }

    /// What a decoded character that is not ASCII folds to, or nil when it stays as it is: curly
    /// apostrophes become ASCII ones, the rest follows the folding table (invalid bytes stay).
    @inline(__always)
    static func replacement(for d: UTF8Bytes.Decoded) -> UInt32? {
        if d.scalar == 0x2019 || d.scalar == 0x02BC { return UInt32(UInt8(ascii: "'")) }
        let folded = d.valid ? UnicodeProperties.fold(d.scalar) : d.scalar
        return folded == d.scalar ? nil : folded
    }

    /// Appends the case-folded form of `word` to `out`. Curly apostrophes fold to ASCII ones.
    static func fold(_ word: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard let raw = word.baseAddress else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let end = base + word.count
        var p = base
        while p < end {
            let b = p[0]
            if b < 0x80 {
                out.append(asciiLower(b))
                p += 1
                continue
            }
            let d = UTF8Bytes.decodeMultibyte(p, end)
            defer { p += d.length }
            if let replacement = replacement(for: d) {
                UTF8Bytes.append(scalar: replacement, to: &out)
            } else {
                out.append(contentsOf: UnsafeBufferPointer(start: p, count: d.length))
            }
        }
    }
}

extension Analyzer {
    /// Scalars whose UTF-8 bytes the term counter takes to fold to themselves (`CaseFolding.uncasedCharacters`)
    /// while case folding changes them (should be none).
    @_spi(Testing) public static func uncasedShortcutInconsistencies() -> [UInt32] {
        var wrong: [UInt32] = []
        var bytes: [UInt8] = []
        for scalar in UInt32(0x80)..<0x110000 where !(0xD800..<0xE000).contains(scalar) {
            bytes.removeAll(keepingCapacity: true)
            UTF8Bytes.append(scalar: scalar, to: &bytes)
            bytes.withUnsafeBufferPointer { p in
                guard let characters = CaseFolding.uncasedCharacters(p.baseAddress!, count: p.count) else { return }
                let raw = PackedStopwords.pack(p.baseAddress!, count: p.count, readable: p.count)
                let folded = CaseFolding.foldPacked(p.baseAddress!, count: p.count)
                if characters != 1 || folded?.low != raw.0 || folded?.high != raw.1 || folded?.length != p.count {
                    wrong.append(scalar)
                }
            }
        }
        return wrong
    }
}
