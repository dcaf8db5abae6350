/// Counts case-folded terms without allocating per token: folded bytes go to one arena, and an
/// open-addressing table maps them to counts. Reuse one counter across articles with `removeAll()`.
struct TermCounter {
    struct Entry {
        var offset: Int32
        var length: Int32
        var hash: UInt32
        var count: Int32
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

    mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        if slots.count > 1 << 16 {
            slots = Array(repeating: -1, count: 1024)
        } else {
            for i in slots.indices { slots[i] = -1 }
        }
    }

    var uniqueCount: Int { entries.count }

    /// Adds one occurrence of the case-folded form of `word`; returns the word's length in characters.
    ///
    /// ASCII words (most of them) are folded and hashed in one pass without copying; others are folded into
    /// a scratch buffer first.
    @discardableResult
    mutating func add(_ word: UnsafeRawBufferPointer) -> Int {
        guard let raw = word.baseAddress, word.count > 0 else { return 0 }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var ascii = true
        var hash: UInt32 = 2_166_136_261
        for k in 0..<word.count {
            let b = base[k]
            if b >= 0x80 {
                ascii = false
                break
            }
            hash = (hash ^ UInt32(asciiLower(b))) &* 16_777_619
        }
        if ascii {
            insert(UnsafeBufferPointer(start: base, count: word.count), hash: hash, lowering: true)
            return word.count
        }
        scratch.removeAll(keepingCapacity: true)
        CaseFolding.fold(word, into: &scratch)
        hash = 2_166_136_261
        for b in scratch { hash = (hash ^ UInt32(b)) &* 16_777_619 }
        scratch.withUnsafeBufferPointer { insert($0, hash: hash, lowering: false) }
        return UTF8Bytes.scalarCount(word)
    }

    /// Counts `bytes` (ASCII-lower-cased on the fly when `lowering`) under `hash`.
    private mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt32, lowering: Bool) {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        let found: Int32? = arena.withUnsafeBufferPointer { arena in
            slots.withUnsafeBufferPointer { slots in
                while true {
                    let index = slots[slot]
                    if index < 0 { return nil }
                    let entry = entries[Int(index)]
                    if entry.hash == hash, Int(entry.length) == bytes.count {
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
        entries.append(Entry(offset: Int32(arena.count), length: Int32(bytes.count), hash: hash, count: 1))
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
