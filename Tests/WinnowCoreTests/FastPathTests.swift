import Foundation
import Testing
@_spi(Testing) import WinnowCore

/// The ASCII fast loop and the table shortcuts must give exactly what the full UAX #29 scanner gives.
@Suite struct FastPathTests {
    func bothWays(_ bytes: [UInt8], mode: Tokenizer.Mode) -> (fast: [Token], full: [Token]) {
        var fast: [Token] = []
        var full: [Token] = []
        var slow = Tokenizer(mode: mode)
        slow.usesASCIIFastPath = false
        bytes.withUnsafeBytes { text in
            Tokenizer(mode: mode).tokenize(text, into: &fast)
            slow.tokenize(text, into: &full)
        }
        return (fast, full)
    }

    /// The tokens with 64-byte blocks (the default), with the byte loop alone, and with the full scanner.
    func threeWays(_ bytes: [UInt8], mode: Tokenizer.Mode) -> (blocks: [Token], byteLoop: [Token], full: [Token]) {
        var byteLoop: [Token] = []
        var bytewise = Tokenizer(mode: mode)
        bytewise.usesBlocks = false
        bytes.withUnsafeBytes { bytewise.tokenize($0, into: &byteLoop) }
        let (blocks, full) = bothWays(bytes, mode: mode)
        return (blocks, byteLoop, full)
    }

    @Test func tokensAreStoredAsOneWord() {
        #expect(Token.packedLayoutHolds)
    }

    /// Every piece where a block must hand over, or end early, at every offset of a plain ASCII text: so at
    /// both edges of a block and on every alignment of the bytes it loads 16 at a time.
    @Test func handOversAtEveryOffsetOfABlock() {
        let plain = Array("The company said it was likely to raise prices, and analysts agreed. Shares rose in early trading; others fell back again.".utf8)
        let pieces = [
            "don't", "U.S.", "e.g.", "www.example.org/a", "http://x.org", "1,000.5", "G7", "76th", "a_b", "NASDAQ:EXM", "@name",
            "#tag", "me@example.com", "x:y", "\r\n", "\t", "  \u{200D}", " \u{301}", ".\u{301}x", "a.\u{301}b", "’s", "é", "中文", "\u{7F}",
            "\u{0}", "How.", "Word.Word", "'quoted'", "(a)",
            // A byte for the byte loop right after a word the byte loop has just taken.
            "x:y\r\n", "a_b\t", "G7_x", "me@example.com#x",
        ]
        // Where blocks start depends on the text before (a block ends before a word that reaches its end), so
        // the pieces that end a block early are also tried with every amount of text cut from the front.
        let blockEnders: Set = ["  \u{200D}", " \u{301}", ".\u{301}x", "x:y\r\n"]
        for piece in pieces {
            let bytes = Array(piece.utf8)
            for offset in 0...plain.count {
                let text = Array(plain[..<offset]) + bytes + plain[offset...] + bytes
                for cut in 0..<(blockEnders.contains(piece) ? min(64, offset) : 1) {
                    for mode in [Tokenizer.Mode.analysis, .uax29] {
                        let (blocks, byteLoop, full) = threeWays(Array(text[cut...]), mode: mode)
                        guard blocks == full && byteLoop == full else {
                            Issue.record("\(piece.debugDescription) at \(offset), \(cut) cut, \(mode): blocks \(blocks == full), byte loop \(byteLoop == full)")
                            return
                        }
                    }
                }
            }
        }
    }

    @Test func caseFoldingShortcutsAgreeWithTheTable() {
        // `fold` skips the lookup for scripts without case; every scalar must still fold as the table says.
        #expect(Analyzer.foldingInconsistencies().isEmpty)
        // The term counter takes the bytes of Hebrew, Arabic, Indic and CJK characters as their folded form.
        #expect(Analyzer.uncasedShortcutInconsistencies().isEmpty)
    }

    @Test func tableFlagsMatchTheProperties() {
        let wrong = WordSegmenter.tableInconsistencies()
        #expect(wrong.isEmpty, "\(wrong.count) code points, from \(wrong.prefix(10))")
        // Properties are read from the table by a bit cast: every stored value must be a case, read as such.
        let uncast = Tokenizer.propertyTableInconsistencies()
        #expect(uncast.isEmpty, "\(uncast.count) code points, from \(uncast.prefix(10))")
    }

    @Test(arguments: ["seed.txt", "arabic-8.jsonl", "ria-2.jsonl", "nepali-bom.txt", "nepali-invalid-utf8.txt", "bbc/business-001.txt"])
    func realTextGivesTheSameTokensBothWays(_ name: String) throws {
        let bytes = try fixture(name)
        for mode in [Tokenizer.Mode.analysis, .uax29] {
            let (blocks, byteLoop, full) = threeWays(bytes, mode: mode)
            #expect(full.count > 10)
            #expect(blocks == full, "\(name), \(mode)")
            #expect(byteLoop == full, "\(name), \(mode)")
        }
    }

    /// Random mixtures of the pieces where the fast loop must hand over or decide joins: marks after spaces
    /// and punctuation, letters after apostrophes, digits around separators, URLs, CR LF, invalid bytes.
    @Test func randomMixturesGiveTheSameTokensBothWays() {
        let textLike: [[UInt8]] = [" ", "news", "Word", ", ", ". ", "."].map { Array($0.utf8) }
        let pieces: [[UInt8]] = [
            "a", "Z", "word", "don", "'", "t", "9", "1", ",", ".", ", ", ". ", "www", ":", ";", "_", " ", "  ", "\t", "\r\n", "\n", "-",
            "@", "#", "/", "http", "://", "www", "NASDAQ", "e", "\u{301}", "é", "’", "\u{200D}", "👍", "🇺🇸", "中文",
            "ش", "\u{AD}", "\"", "(", ")", "$", "\u{0}", "\u{7F}",
        ].map { Array($0.utf8) } + [[0xFF], [0xE2, 0x80], [0xC3]]
        var generator = SplitMix64(seed: 29)
        for round in 0..<3000 {
            var bytes: [UInt8] = []
            // Mostly short mixtures; every tenth a long one, mostly words and spaces like real text.
            let count = round % 10 == 0 ? 300 : Int(generator.next() % 24)
            for _ in 0..<count {
                if round % 10 == 0 && generator.next() % 3 != 0 {
                    bytes += textLike[Int(generator.next() % UInt64(textLike.count))]
                } else {
                    bytes += pieces[Int(generator.next() % UInt64(pieces.count))]
                }
            }
            for mode in [Tokenizer.Mode.analysis, .uax29] {
                let (blocks, byteLoop, full) = threeWays(bytes, mode: mode)
                if blocks != full || byteLoop != full {
                    Issue.record("\(bytes) \(mode): \(blocks.count) with blocks, \(byteLoop.count) byte by byte, \(full.count) full")
                    return
                }
            }
        }
    }
}

/// The sentence segmenter's shortcuts (ASCII fillers 16 at a time; runs outside a terminated run without the
/// rules) must give exactly the boundaries the rules give.
@Suite struct SentenceFastPathTests {
    func boundaries(_ bytes: [UInt8], fast: Bool) -> [Int] {
        var segmenter = SentenceSegmenter()
        segmenter.usesFastPaths = fast
        var ends: [Int] = []
        bytes.withUnsafeBytes { text in segmenter.forEachSentence(text) { _, end in ends.append(end) } }
        return ends
    }

    @Test func randomMixturesGiveTheSameSentencesBothWays() throws {
        // Every sentence-break property in several scripts, terminators of several scripts, closers, marks.
        let pieces: [[UInt8]] = [
            "The", "word", "and", " ", "  ", ", ", ".", ". ", "!", "?", "...", "U.S.", "e.g.", "Mr.", "1.5", "9", "\n", "\r\n", "\r",
            "\"", "'", "(", ")", "»", "«", "”", "\u{2028}", "\u{85}", "\u{301}", "\u{200D}", "\u{AD}", "\t", "-", ":", ";",
            "مرحبا", "؟", "۔", "नेपाल", "।", "中文", "。", "！", "？", "Москва", "é", "É", "…", "\u{0}", "😀",
            // Marks and format characters inside the rules' patterns (SB5 with SB6, SB7, SB8).
            "a\u{301}.", "A\u{200D}.", ".T", ".\u{301}t", "1.\u{AD}5", "x.\u{301} a",
        ].map { Array($0.utf8) } + [[0xFF], [0xE2, 0x80], [0xC3]]
        var text = Array(String(decoding: try fixture("bbc/sport-199.txt"), as: UTF8.self).prefix(600).utf8)
        text += Array("مرحبا بكم في الموقع. كيف حالك؟ نحن بخير! 中文的句子。另一个句子！ नेपाल सुन्दर छ। ".utf8)
        var generator = SplitMix64(seed: 41)
        for round in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 30) {
                if round % 4 == 0 {
                    // Stretches of real text between the pieces.
                    let start = Int(generator.next() % UInt64(text.count))
                    bytes += text[start..<min(text.count, start + Int(generator.next() % 80))]
                }
                bytes += pieces[Int(generator.next() % UInt64(pieces.count))]
            }
            let (fast, rules) = (boundaries(bytes, fast: true), boundaries(bytes, fast: false))
            if fast != rules {
                Issue.record("\(String(decoding: bytes, as: UTF8.self).debugDescription): \(fast) with the shortcuts, \(rules) by the rules")
                return
            }
        }
    }
}

/// A small seeded generator, so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
