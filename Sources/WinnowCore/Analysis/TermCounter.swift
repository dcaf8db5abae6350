/// Counts case-folded terms without allocating per token: folded bytes go to one arena, and an
/// open-addressing table maps them to counts. Reuse one counter across articles with `removeAll()`.
///
/// Terms of up to 16 bytes (nearly all) are keyed by their folded bytes packed into two 64-bit words, so
/// finding one is a multiply and a compare of two registers; longer terms by an FNV-1a hash and a byte
/// comparison. A term's length decides its key, so the two kinds never meet.
struct TermCounter {
    struct Entry {
        var offset: Int32
        var length: Int32
        var hash: UInt32
        var count: Int32
        /// The folded bytes, packed (terms of at most 16 bytes); zero otherwise.
        var low: UInt64
        var high: UInt64
    }

    private(set) var arena: [UInt8] = []
    private(set) var entries: [Entry] = []
    private var slots: [Int32] = Array(repeating: -1, count: 1024)
    private var scratch: [UInt8] = []

    init() {
        arena.reserveCapacity(16 * 1024)
        entries.reserveCapacity(512)
        scratch.reserveCapacity(64)
    }

    /// Empties the counter for a text with about `expectedTerms` distinct terms (at most), sizing the table
    /// to them: a table sized for the largest article so far would be cleared, and probed, out of cache.
    mutating func removeAll(expectedTerms: Int = 512) {
        arena.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        var size = 256
        while size < expectedTerms * 2 && size < 1 << 20 { size <<= 1 }
        if slots.count == size {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
        } else {
            slots = Array(repeating: -1, count: size)
        }
    }

    var uniqueCount: Int { entries.count }

    /// Adds one occurrence of the case-folded form of `word`; returns the word's length in characters.
    ///
    /// - Parameter readable: how many bytes from the word's start may be read (the text goes on after it),
    ///   so that short words load whole.
    @discardableResult
    mutating func add(_ word: UnsafeRawBufferPointer, readable: Int = 0) -> Int {
        guard let raw = word.baseAddress, word.count > 0 else { return 0 }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let n = word.count
        if n <= 16 {
            let (low, high) = PackedStopwords.pack(base, count: n, readable: max(readable, n))
            if (low | high) & 0x8080_8080_8080_8080 == 0 {
                insertPacked(low, high, count: n)
                return n
            }
        } else {
            var ascii = true
            var hash: UInt32 = 2_166_136_261
            for k in 0..<n {
                let b = base[k]
                if b >= 0x80 {
                    ascii = false
                    break
                }
                hash = (hash ^ UInt32(asciiLower(b))) &* 16_777_619
            }
            if ascii {
                insert(UnsafeBufferPointer(start: base, count: n), hash: hash, lowering: true)
                return n
            }
        }
        scratch.removeAll(keepingCapacity: true)
        CaseFolding.fold(word, into: &scratch)
        scratch.withUnsafeBufferPointer { folded in
            if folded.count <= 16 {
                let (low, high) = PackedStopwords.pack(folded.baseAddress!, count: folded.count, readable: folded.count)
                insertPacked(low, high, count: folded.count)
            } else {
                var hash: UInt32 = 2_166_136_261
                for b in folded { hash = (hash ^ UInt32(b)) &* 16_777_619 }
                insert(folded, hash: hash, lowering: false)
            }
        }
        return UTF8Bytes.scalarCount(word)
    }

    /// Counts the term whose folded bytes are `low`, `high` (packed; `count` bytes of them).
    private mutating func insertPacked(_ low: UInt64, _ high: UInt64, count: Int) {
        let hash = UInt32(truncatingIfNeeded: PackedStopwords.mix(low, high) >> 32)
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        let found: Int32? = slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeBufferPointer { entries in
                while true {
                    let index = slots[slot]
                    if index < 0 { return nil }
                    let entry = entries[Int(index)]
                    if entry.low == low && entry.high == high && Int(entry.length) == count { return index }
                    slot = (slot + 1) & mask
                }
            }
        }
        if let found {
            entries[Int(found)].count += 1
            return
        }
        slots[slot] = Int32(entries.count)
        entries.append(Entry(offset: Int32(arena.count), length: Int32(count), hash: hash, count: 1, low: low, high: high))
        let packed = (low.littleEndian, high.littleEndian)
        withUnsafeBytes(of: packed) { bytes in
            arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<count]).assumingMemoryBound(to: UInt8.self))
        }
        if entries.count * 2 > slots.count { grow() }
    }

    /// Counts `bytes` (ASCII-lower-cased on the fly when `lowering`) under `hash` (terms over 16 bytes).
    private mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt32, lowering: Bool) {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        let found: Int32? = arena.withUnsafeBufferPointer { arena in
            slots.withUnsafeBufferPointer { slots in
                while true {
                    let index = slots[slot]
                    if index < 0 { return nil }
                    let entry = entries[Int(index)]
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
        }
        if let found {
            entries[Int(found)].count += 1
            return
        }
        slots[slot] = Int32(entries.count)
        entries.append(Entry(offset: Int32(arena.count), length: Int32(bytes.count), hash: hash, count: 1, low: 0, high: 0))
        if lowering {
            for b in bytes { arena.append(asciiLower(b)) }
        } else {
            arena.append(contentsOf: bytes)
        }
        if entries.count * 2 > slots.count { grow() }
    }

    func term(_ entry: Entry) -> ArraySlice<UInt8> {
        arena[Int(entry.offset)..<Int(entry.offset + entry.length)]
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (i, entry) in entries.enumerated() {
            var slot = Int(entry.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }
}


/// Simple case folding (Unicode CaseFolding.txt, statuses C and S) on UTF-8 bytes, by table.
enum CaseFolding {
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
            if d.scalar == 0x2019 || d.scalar == 0x02BC {
                out.append(UInt8(ascii: "'"))
                continue
            }
            let folded = d.valid ? UnicodeProperties.fold(d.scalar) : d.scalar
            if folded == d.scalar {
                out.append(contentsOf: UnsafeBufferPointer(start: p, count: d.length))
            } else {
                UTF8Bytes.append(scalar: folded, to: &out)
            }
        }
    }
}
