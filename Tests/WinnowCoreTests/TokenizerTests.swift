import Foundation
import Testing
import WinnowCore

@Suite struct TokenizerTests {
    func tokens(_ text: String) -> [(String, TokenKind)] {
        var out: [Token] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { Tokenizer().tokenize($0, into: &out) }
        return out.map { (String(decoding: bytes[$0.range], as: UTF8.self), $0.kind) }
    }

    @Test func englishNewsSentence() {
        let result = tokens("Xi’s message, on Monday, lauded the Workers’ Party — 76th anniversary; $1.13bn (£600m).")
        #expect(result.map(\.0) == [
            "Xi’s", "message", ",", "on", "Monday", ",", "lauded", "the", "Workers", "’", "Party", "—", "76th",
            "anniversary", ";", "$", "1.13bn", "(", "£", "600m", ")", ".",
        ])
        #expect(result.first { $0.0 == "76th" }?.1 == .alphanumeric)
        #expect(result.first { $0.0 == "1.13bn" }?.1 == .alphanumeric)
        #expect(tokens("from 1,000.5 to 2").map(\.1) == [.word, .number, .word, .number])
        #expect(result.first { $0.0 == "$" }?.1 == .symbol)
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

    @Test func ideographsAreSeparateAndDevanagariMarksStayInWords() {
        #expect(tokens("深圳地铁").map(\.0) == ["深", "圳", "地", "铁"])
        #expect(tokens("सेवानिवृत्त एक").map(\.0) == ["सेवानिवृत्त", "एक"])
    }

    @Test func sentencesSkipAbbreviationsAndInitials() {
        let text = Array("Mr. Smith met U.S. officials on Jan. 5. They agreed. Did it work? Yes!".utf8)
        var tokens: [Token] = []
        var sentences: [Range<Int>] = []
        text.withUnsafeBytes {
            Tokenizer().tokenize($0, into: &tokens)
            SentenceSplitter().split($0, tokens: tokens, into: &sentences)
        }
        #expect(sentences.map { String(decoding: text[$0], as: UTF8.self) } == [
            "Mr. Smith met U.S. officials on Jan. 5.", "They agreed.", "Did it work?", "Yes!",
        ])
    }
}
