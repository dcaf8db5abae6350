import Foundation
import Testing
@_spi(Testing) import WinnowCore

@Suite struct TokenizerTests {
    func tokens(_ text: String, mode: Tokenizer.Mode = .analysis) -> [(String, TokenKind)] {
        var out: [Token] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { Tokenizer(mode: mode).tokenize($0, into: &out) }
        return out.map { (String(decoding: bytes[$0.range], as: UTF8.self), $0.kind) }
    }

    func sentences(_ text: String, abbreviations: Bool = true) -> [String] {
        let bytes = Array(text.utf8)
        var ranges: [Range<Int>] = []
        bytes.withUnsafeBytes { SentenceSplitter(abbreviations: abbreviations).split($0, into: &ranges) }
        return ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func englishNewsSentence() {
        // From the seed article and the BBC set.
        let result = tokens("Xi’s message, on Monday, lauded the Workers’ Party — 76th anniversary; $1.13bn (£600m).")
        #expect(result.map(\.0) == [
            "Xi’s", "message", ",", "on", "Monday", ",", "lauded", "the", "Workers", "’", "Party", "—", "76th",
            "anniversary", ";", "$", "1.13bn", "(", "£", "600m", ")", ".",
        ])
        #expect(result.first { $0.0 == "76th" }?.1 == .alphanumeric)
        #expect(result.first { $0.0 == "$" }?.1 == .symbol)
        #expect(tokens("from 1,000.5 to 2").map(\.1) == [.word, .number, .word, .number])
    }

    @Test func entitiesAreKeptWholeInAnalysisMode() {
        let text = "Shares of NASDAQ:EXM rose, per https://www.benzinga.com/news/24/09/x.html?a=1. Mail tips@example.co.uk or ask @benzinga #markets."
        let result = tokens(text)
        #expect(result.contains { $0 == ("NASDAQ:EXM", .ticker) })
        #expect(result.contains { $0 == ("https://www.benzinga.com/news/24/09/x.html?a=1", .url) })
        #expect(result.contains { $0 == ("tips@example.co.uk", .email) })
        #expect(result.contains { $0 == ("@benzinga", .mention) })
        #expect(result.contains { $0 == ("#markets", .hashtag) })
        #expect(result.last?.0 == ".")
        // Plain UAX #29 splits them.
        let plain = tokens(text, mode: .uax29).map(\.0)
        #expect(plain.contains("https"))
        #expect(plain.contains("NASDAQ:EXM"), "':' is MidLetter in UAX #29")
    }

    @Test func tokensCoverTheTextInOrderWithoutOverlap() throws {
        let text = try fixture("arabic-8.jsonl")
        var out: [Token] = []
        text.withUnsafeBytes { Tokenizer().tokenize($0, into: &out) }
        var end = 0
        for token in out {
            #expect(token.offset >= end)
            #expect(token.length > 0)
            end = token.offset + token.length
        }
        #expect(end <= text.count)
    }

    @Test func aRunLongerThanATokenBecomesPiecesThatCoverIt() {
        #expect(MemoryLayout<Token>.stride == 8)
        // A line of 40 MiB of letters and digits with no break (a base64 blob), then a URL as long.
        let run = [UInt8](repeating: UInt8(ascii: "a"), count: 40 << 20)
        for prefix in ["x ", "see http://"] {
            let bytes = Array(prefix.utf8) + run + Array(" end".utf8)
            var out: [Token] = []
            bytes.withUnsafeBytes { Tokenizer().tokenize($0, into: &out) }
            let long = out.filter { $0.length > 100 }
            #expect(long.map(\.length).dropLast().allSatisfy { $0 == Token.maxLength })
            #expect(long.reduce(0) { $0 + $1.length } == run.count)
            #expect(out.last.map { String(decoding: bytes[$0.range], as: UTF8.self) } == "end")
        }
    }

    @Test func ideographsAreSeparateAndDevanagariMarksStayInWords() {
        #expect(tokens("深圳地铁").map(\.0) == ["深", "圳", "地", "铁"])
        #expect(tokens("深圳地铁").allSatisfy { $0.1 == .ideograph })
        #expect(tokens("सेवानिवृत्त एक").map(\.0) == ["सेवानिवृत्त", "एक"])
        #expect(tokens("الفقر أحد أسباب").map(\.1) == [.word, .word, .word])
    }

    @Test func emojiSequencesAreOneToken() {
        #expect(tokens("ok 👍🏽 👨‍👩‍👧 🇫🇷🇩🇪").map(\.0) == ["ok", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🇩🇪"])
        #expect(tokens("👨‍👩‍👧").first?.1 == .emoji)
    }

    @Test func invalidUTF8BecomesSymbolTokensAndNothingIsLost() {
        let bytes: [UInt8] = Array("a".utf8) + [0xFF, 0xC3] + Array(" b".utf8)
        var out: [Token] = []
        bytes.withUnsafeBytes { Tokenizer().tokenize($0, into: &out) }
        #expect(out.map(\.kind) == [.word, .symbol, .symbol, .word])
    }

    @Test func sentencesFollowUAX29PlusAbbreviations() {
        let text = "Mr. Smith met U.S. officials on Jan. 5. They agreed at 3.5 p.m. and No. 10 said yes. Did it work? Yes!"
        #expect(sentences(text) == [
            "Mr. Smith met U.S. officials on Jan. 5.", "They agreed at 3.5 p.m. and No. 10 said yes.", "Did it work?",
            "Yes!",
        ])
        // UAX #29 alone splits after "Mr." before a capital.
        #expect(sentences("Mr. Smith left.", abbreviations: false) == ["Mr.", "Smith left."])
        #expect(sentences("Je suis là. 我很好。你呢？ هل أنت بخير؟ नमस्ते। ठीक") == [
            "Je suis là.", "我很好。", "你呢？", "هل أنت بخير؟", "नमस्ते।", "ठीक",
        ])
    }

    @Test func everyAbbreviationJoinsAndOtherWordsEndTheSentence() {
        // Each as listed, and capitalised ("Mr", "U.S"): the lookup folds ASCII case.
        for word in SentenceSplitter.englishAbbreviations where word != "no" {
            #expect(sentences("They met \(word). Smith there.").count == 1, "\(word)")
            #expect(sentences("They met \(word.uppercased()). Smith there.").count == 1, "\(word)")
        }
        // Words that are not listed, some a letter away from one that is.
        for word in ["cat", "Mx", "Drs", "Janu", "Ab", "Zz", "Sunday", "ltda", "u.s.a", "Smithsonian"] {
            #expect(sentences("They met \(word). Smith there.").count == 2, "\(word)")
        }
        // "No." only before a number.
        #expect(sentences("It was No. 10 then.").count == 1)
        #expect(sentences("He said No. Then he left.").count == 2)
    }
}

@Suite struct AnalyzerTests {
    /// Counts words the slow way: the tokenizer's word-like tokens, lower-cased with the standard library.
    func naiveCounts(_ text: String) -> [String: Int] {
        var tokens: [Token] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { Tokenizer().tokenize($0, into: &tokens) }
        var counts: [String: Int] = [:]
        for token in tokens where token.kind.isWordLike {
            let word = String(decoding: bytes[token.range], as: UTF8.self).lowercased().replacingOccurrences(of: "’", with: "'")
            counts[word, default: 0] += 1
        }
        return counts
    }

    @Test func validTextGivesTheSameStatisticsCountedEitherWay() throws {
        var analyzer = Analyzer()
        for name in ["arabic-8.jsonl", "nepali-bom.txt", "ria-2.jsonl", "bbc/business-001.txt", "seed.txt"] {
            let text = String(decoding: try fixture(name), as: UTF8.self)  // decoding repairs: valid
            let bytes = Array(text.utf8)
            let checked = bytes.withUnsafeBytes { analyzer.analyze($0).0 }
            let counted = bytes.withUnsafeBytes { analyzer.analyze($0, validUTF8: true).0 }
            #expect(checked == counted, "\(name)")
            #expect(counted.characters == text.unicodeScalars.count, "\(name)")
        }
    }

    @Test func termsRepeatedOnlyAfterTheTableGrowsAreRanked() throws {
        // Six terms (three longer than 16 bytes) seen once before thousands of distinct terms make the table
        // grow, then 19 more times each: they are the top terms, with every occurrence counted.
        let names = ["zebra", "quokka", "okapi", "hippopotamusesandrhinoceroses", "quintessentiallybritish", "extraordinarilylong"]
        var text = String(decoding: try fixture("bbc/business-001.txt"), as: UTF8.self)
        text += " " + names.joined(separator: " ")
        for i in 0..<6000 { text += " term\(i)x" }
        for _ in 0..<19 { text += " " + names.joined(separator: " ") }
        var analyzer = Analyzer(topTermCount: names.count)
        let (_, top) = Array(text.utf8).withUnsafeBytes { analyzer.analyze($0) }
        #expect(top.map(\.term) == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(top.allSatisfy { $0.count == 20 })
    }

    @Test func countsMatchANaiveCountThroughTableGrowth() throws {
        // A real article, then thousands of distinct terms (the table grows several times mid-text), long
        // terms, and words that are not ASCII, in several cases.
        let article = String(decoding: try fixture("bbc/business-001.txt"), as: UTF8.self)
        var text = article
        for i in 0..<6000 { text += " term\(i)x" }
        text += " Internationalisation internationalisation INTERNATIONALISATION counter-revolutionaries"
        text += " Москва москва МОСКВА Straße STRASSE Ærø ærø don’t Don't"
        // Words of scripts without case longer than 16 bytes (stored as they are), and a cased one (folded);
        // with a curly apostrophe a word is folded, and must meet its form with a straight one.
        text += " अन्तर्राष्ट्रिय अन्तर्राष्ट्रिय والاستثمارات والاستثمارات अन्तर्राष्ट्रिय"
        text += " अन्तर्राष्ट्रिय’s अन्तर्राष्ट्रिय's"
        text += " МЕЖДУНАРОДНОГО международного"
        let expected = naiveCounts(text)
        var analyzer = Analyzer(topTermCount: 5)
        let bytes = Array(text.utf8)
        let (stats, top) = bytes.withUnsafeBytes { analyzer.analyze($0) }
        #expect(stats.uniqueWords == expected.count)
        #expect(stats.words == expected.values.reduce(0, +))
        #expect(expected["internationalisation"] == 3 && expected["москва"] == 3)
        #expect(expected["अन्तर्राष्ट्रिय"] == 3 && expected["अन्तर्राष्ट्रिय's"] == 2)
        #expect(expected["والاستثمارات"] == 2 && expected["международного"] == 2)
        // The mean word length, in the words' own characters.
        var tokens: [Token] = []
        bytes.withUnsafeBytes { Tokenizer().tokenize($0, into: &tokens) }
        let words = tokens.filter(\.kind.isWordLike)
        let characters = words.reduce(0) { $0 + String(decoding: bytes[$1.range], as: UTF8.self).unicodeScalars.count }
        #expect(stats.meanWordLength == Double(characters) / Double(words.count))
        // The top terms: most frequent first, ties in byte order, stopwords left out.
        let ranked = expected.filter { !["the", "a", "to", "of", "and", "in", "for", "s", "it", "its", "on", "that", "is", "was", "by", "at"].contains($0.key) }
        #expect(top.first?.count == ranked.values.max())
        for (a, b) in zip(top, top.dropFirst()) {
            #expect(a.count > b.count || (a.count == b.count && Array(a.term.utf8).lexicographicallyPrecedes(Array(b.term.utf8))))
        }
        for term in top { #expect(expected[term.term] == term.count) }
        // The same analyzer, reused on a short text, starts afresh.
        let short = Array("Ærø ærø ÆRØ and Москва".utf8)
        let (again, terms) = short.withUnsafeBytes { analyzer.analyze($0) }
        #expect(again.uniqueWords == 3)
        #expect(terms.first?.term == "ærø" && terms.first?.count == 3)
    }
}
