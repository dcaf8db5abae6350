/// Cross-document boilerplate memory: how many documents each line occurs in.
///
/// Menus, footers, teasers and calls to action recur across the pages of a site; article paragraphs do not.
/// The memory keeps one 64-bit hash per distinct line (of at most `RuleSet.maxLineBytes`, normalised:
/// trimmed, ASCII case and digits folded) with the number of distinct documents it was seen in, so it stays
/// compact (16 bytes a line) and can be saved and loaded (`serialized()`), as a daemon's state would be.
public struct LineMemory: Sendable {
    /// A line seen in at least this many documents is boilerplate.
    public var threshold: Int
    private var counts: [UInt64: UInt32] = [:]
    private var documents: Set<UInt64> = []

    public init(threshold: Int = 3) {
        self.threshold = threshold
    }

    /// Distinct documents observed.
    public var documentCount: Int { documents.count }

    /// Records the lines of one document; an identical document seen before is not counted twice.
    public mutating func observe(_ text: UnsafeRawBufferPointer) {
        guard documents.insert(Self.hash(text, 0..<text.count, normalise: false)).inserted else { return }
        var seen = Set<UInt64>()
        var start = 0
        while start < text.count {
            let window = Cleaner.splitLines(text, from: start, maxLines: Cleaner.windowLines)
            for line in window.lines where !line.range.isEmpty && line.range.count <= RuleSet.maxLineBytes {
                let key = Self.hash(text, line.range, normalise: true)
                if seen.insert(key).inserted { counts[key, default: 0] += 1 }
            }
            start = window.end
        }
    }

    /// Whether the line in `range` of `text` recurs across enough documents.
    func isRepeated(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard !counts.isEmpty, range.count <= RuleSet.maxLineBytes else { return false }
        return Int(counts[Self.hash(text, range, normalise: true)] ?? 0) >= threshold
    }

    /// FNV-1a over the bytes, optionally with ASCII case and digits folded (dates and counts vary).
    static func hash(_ text: UnsafeRawBufferPointer, _ range: Range<Int>, normalise: Bool) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in range {
            var b = text[i]
            if normalise {
                b = asciiLower(b)
                if b >= 0x30 && b <= 0x39 { b = 0x30 }
            }
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        return h
    }

    /// The memory as bytes: threshold, then (hash, count) pairs, little-endian; documents are not kept.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 + counts.count * 12)
        func put(_ value: UInt64, _ size: Int) { for k in 0..<size { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) } }
        put(UInt64(threshold), 4)
        for key in counts.keys.sorted() {
            put(key, 8)
            put(UInt64(counts[key]!), 4)
        }
        return out
    }

    /// Loads a memory saved with `serialized()`; a truncated tail is ignored.
    public init(serialized bytes: [UInt8]) {
        func get(_ at: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        threshold = bytes.count >= 4 ? Int(get(0, 4)) : 3
        var i = 4
        while i + 12 <= bytes.count {
            counts[get(i, 8)] = UInt32(get(i + 8, 4))
            i += 12
        }
    }
}
