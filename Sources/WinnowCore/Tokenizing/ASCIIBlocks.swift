/// Tokenizes ASCII text 64 bytes at a time, from bit masks, and hands every byte whose segment needs more than
/// its class to the byte-by-byte loop (`ASCIITokenScanner.scan`).
///
/// Word by word, the byte loop spends most of its time waiting: where a word ends decides where the next one
/// starts, so every word is a load, a compare and a count of zeros after the last. Here the classes of 64 bytes
/// are found at once (16 at a time, in vector registers) and folded into one bit per byte. Word starts and ends
/// are then bit tricks on those masks, and the tokens of a block come out of a loop in which nothing carries
/// from one token to the next but a cleared bit.
///
/// Words are runs of letters, with a full stop or apostrophe between two letters ("U.S", "don't": WB6, WB7);
/// spaces and line feeds make no tokens; the other printable characters are tokens of one byte. A byte goes to
/// the byte loop when its segment depends on more than that: a digit (numbers join across "," and "."), ":"
/// "@" "#" "_" (joins, URLs, addresses, tickers), and a control character other than a line feed. The byte
/// loop starts at the boundary before that byte's segment (the start of a word that touches it) and stops at
/// the first boundary after it; the block goes on from there with the masks it has. A block with a byte
/// outside ASCII goes to the byte loop whole.
struct ASCIIBlock {
    typealias Bytes = ByteMask.Bytes

    /// Bit `i` set: byte `i` belongs to a word (a letter, or "." or "'" between two letters).
    let words: UInt64
    /// A space or a line feed: never part of a token.
    let spaces: UInt64
    /// Bytes the byte loop must take (see the type's summary).
    let others: UInt64

    /// The masks of the 64 bytes at `p`; `p[-1]` and `p[64]` must be readable (they decide joins at the edges).
    ///
    /// The four classes (word, white space, other, single) are exclusive, so two bits per byte tell them apart
    /// and only two masks are gathered: word or other, white space or other.
    @inline(__always)
    static func masks(_ p: UnsafePointer<UInt8>) -> ASCIIBlock {
        var first: UInt64 = 0
        var second: UInt64 = 0
        for k in 0..<4 {
            let at = UnsafeRawPointer(p + 16 * k)
            let v = at.loadUnaligned(as: Bytes.self)
            // "." and "'" between two letters join them (WB6, WB7).
            let mid = v .== Bytes(repeating: UInt8(ascii: ".")) .| v .== Bytes(repeating: UInt8(ascii: "'"))
            let joiner = mid .& isLetter(at.loadUnaligned(fromByteOffset: -1, as: Bytes.self))
                .& isLetter(at.loadUnaligned(fromByteOffset: 1, as: Bytes.self))
            let space = v .== Bytes(repeating: 0x20) .| v .== Bytes(repeating: 0x0A)
            // Digits and ":", in one range; outside the printable range but a line feed; "@", "#", "_".
            var other = (v &- Bytes(repeating: UInt8(ascii: "0"))) .< Bytes(repeating: 11)
            other .|= ((v &- Bytes(repeating: 0x20)) .>= Bytes(repeating: 0x5F)) .& (v .!= Bytes(repeating: 0x0A))
            other .|= v .== Bytes(repeating: UInt8(ascii: "@")) .| v .== Bytes(repeating: UInt8(ascii: "#"))
            other .|= v .== Bytes(repeating: UInt8(ascii: "_"))
            let shift = UInt64(16 * k)
            first |= ByteMask.bits(isLetter(v) .| joiner .| other) << shift
            second |= ByteMask.bits(space .| other) << shift
        }
        return ASCIIBlock(words: first & ~second, spaces: second & ~first, others: first & second)
    }

    @inline(__always)
    static func isLetter(_ v: Bytes) -> ByteMask.Lanes {
        ((v | Bytes(repeating: 0x20)) &- Bytes(repeating: UInt8(ascii: "a"))) .< Bytes(repeating: 26)
    }

    /// Whether any of the 64 bytes at `p` is outside ASCII.
    @inline(__always)
    static func hasNonASCII(_ p: UnsafePointer<UInt8>) -> Bool {
        let raw = UnsafeRawPointer(p)
        var any: UInt64 = 0
        for k in 0..<8 { any |= raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self) }
        return any & 0x8080_8080_8080_8080 != 0
    }
}

extension ASCIITokenScanner {
    /// Tokenizes `base..<end`: blocks of 64 bytes where they are plain, the byte loop around the rest.
    func runBlocks(_ sink: inout TokenSink) {
        let base = scanner.base
        let end = scanner.end
        // The first unit by the byte loop, so that a block always has a byte before it.
        var p = scan(from: base, atLeastTo: base + 1, &sink)
        // A block reads up to three bytes past its 64 (the last word's "www." test); the rest of the text goes
        // to the byte loop.
        // Text in other scripts has bytes outside ASCII in nearly every block: the byte loop takes those
        // blocks whole, without the cost of the masks, and a stretch twice as long after each such block.
        var stretch = 64
        while end - p >= 68 {
            if ASCIIBlock.hasNonASCII(p) {
                p = scan(from: p, atLeastTo: p + min(stretch, end - p), &sink)
                stretch = min(stretch &* 2, 4096)
            } else {
                p = block(at: p, &sink)
                stretch = 64
            }
        }
        if p < end { _ = scan(from: p, atLeastTo: end, &sink) }
    }

    /// Emits the tokens of the block at `p` (a boundary), with the byte loop for the bytes that need it;
    /// returns the boundary where the next block starts.
    @inline(__always)
    private func block(at p: UnsafePointer<UInt8>, _ sink: inout TokenSink) -> UnsafePointer<UInt8> {
        let masks = ASCIIBlock.masks(p)
        let words = masks.words
        // A word that reaches the block's last byte may go on past it, and a character outside ASCII after the
        // block may join what comes before it: the next block starts with that word or chunk. So does a run of
        // spaces that goes on past the block (a mark after it would attach to the whole run).
        var cut = 64
        if words >> 63 != 0 {
            cut = 64 - (~words).leadingZeroBitCount
        }
        if p[64] >= 0x80 || (p[64] == 0x20 && p[63] == 0x20) {
            cut = min(cut, chunkStart(at: p, spaces: masks.spaces))
        }
        // A block that is one word or chunk: the byte loop takes it.
        guard cut > 0 else { return scan(from: p, atLeastTo: p + 1, &sink) }
        let inBlock: UInt64 = cut == 64 ? .max : (1 << UInt64(cut)) &- 1
        // Every byte that is not in a word, white space or a byte for the byte loop is a token of its own.
        let singles = ~(words | masks.spaces | masks.others) & inBlock
        var starts = (words & ~(words << 1) | singles) & inBlock
        var ends = (words & ~(words >> 1) | singles) & inBlock
        var pending = masks.others & inBlock
        let offset = p - scanner.base
        // Where the tokens emitted so far end.
        var done = 0
        sink.reserve(64)
        while true {
            // Up to the next byte for the byte loop, or to the cut.
            var stop = cut
            var unitStart = cut
            if pending != 0 {
                stop = pending.trailingZeroBitCount
                unitStart = stop
                if stop > 0 && (words >> UInt64(stop - 1)) & 1 != 0 {
                    // A word that touches it belongs to its segment: the byte loop starts at the word.
                    let before = ~words & ((1 << UInt64(stop)) &- 1)
                    unitStart = max(done, before == 0 ? 0 : 64 - before.leadingZeroBitCount)
                }
            }
            let below: UInt64 = unitStart == 64 ? .max : (1 << UInt64(unitStart)) &- 1
            sink.appendBlockTokens(starts: starts & below, ends: &ends, at: p, offset: offset, kinds: firstByteKinds)
            starts &= ~below
            if stop >= cut { return p + cut }
            let resume = scan(from: p + unitStart, atLeastTo: p + stop + 1, &sink) - p
            if resume >= cut { return p + resume }
            done = resume
            // Back in the block: drop what the byte loop covered.
            let covered: UInt64 = (1 << UInt64(resume)) &- 1
            starts &= ~covered
            ends &= ~covered
            pending &= ~covered
            sink.reserve(64)
        }
    }

    /// Where the block at `p` must end when what follows it may join its end: at the start of the spaces at its
    /// end, or else after the last white space in it.
    @inline(never)
    private func chunkStart(at p: UnsafePointer<UInt8>, spaces: UInt64) -> Int {
        if p[63] == 0x20 {
            var start = 63
            while start > 0 && p[start - 1] == 0x20 { start -= 1 }
            return start
        }
        return spaces == 0 ? 0 : 64 - spaces.leadingZeroBitCount
    }
}

extension TokenSink {
    /// Appends the tokens of a block that start at the bits of `starts`, each ending at the next bit of `ends`
    /// (which loses those bits). A token's kind is its first byte's: letters make words.
    @inline(__always)
    mutating func appendBlockTokens(
        starts: UInt64,
        ends: inout UInt64,
        at p: UnsafePointer<UInt8>,
        offset: Int,
        kinds: UnsafeBufferPointer<TokenKind>
    ) {
        var starts = starts
        var n = count
        let out = batchBase
        while starts != 0 {
            let start = starts.trailingZeroBitCount
            let last = ends.trailingZeroBitCount
            starts &= starts &- 1
            ends &= ends &- 1
            let first = p[start]
            let token = Token.packed(offset: offset &+ start, shortLength: last &- start &+ 1, kind: kinds[Int(first)])
            UnsafeMutableRawPointer(out + n).storeBytes(of: token, as: UInt64.self)
            n &+= 1
            // "www." may start an address (the merger decides); "http:" never gets here (":" is the byte loop's).
            if p[start + 3] == UInt8(ascii: ".") && canStartURL(first) {
                count = n
                markLastAsCandidate()
            }
        }
        count = n
    }
}
