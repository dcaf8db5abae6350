import Foundation
import Testing
import WinnowCore

@Suite struct ReadingTests {
    @Test func jsonLinesGiveOneRecordPerLineWithTitlesIntact() throws {
        let input = try fixture("arabic-8.jsonl")
        let (processed, out) = try process(input, name: "saudinewsnet.jsonl")
        let lines = String(decoding: input, as: UTF8.self).split(separator: "\n")
        #expect(processed.format == .jsonl)
        #expect(out.count == lines.count)
        for (index, (line, record)) in zip(lines, out).enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(record["title"] as? String == object["title"] as? String)
            #expect(record[path: "meta", "url"] as? String == object["url"] as? String)
            #expect(record[path: "meta", "date"] as? String == object["date_extracted"] as? String)
            #expect(record[path: "meta", "source"] as? String == object["source"] as? String)
            #expect(record[path: "source", "index"] as? Int == index)
            #expect(record[path: "source", "line"] as? Int == index + 1)
            let text = try #require(record["text"] as? String)
            #expect(!text.isEmpty)
        }
    }

    @Test func aMalformedLineIsReportedAndTheGoodLinesAroundItKept() throws {
        // 100 real lines (the excerpt, repeated) with one broken line in the middle.
        let lines = String(decoding: try fixture("arabic-8.jsonl"), as: UTF8.self).split(separator: "\n")
        var dump: [String] = (0..<100).map { String(lines[$0 % lines.count]) }
        dump.insert(#"{"title": "cut off", "content": "the line ends insi"#, at: 37)
        let (processed, out) = try process(Array(dump.joined(separator: "\n").utf8), name: "mixed.jsonl")
        #expect(out.count == 100)
        #expect(processed.issues.count == 1)
        #expect(processed.issues.first?.line == 38)
        #expect(processed.issues.first?.description.contains("line 38: malformed JSON: unterminated string") == true)
    }

    @Test func fieldNamesCanBeOverridden() throws {
        let line = #"{"heading": "A title", "story": "Body text of the story.", "link": "https://example.org/a"}"#
        var configuration = PipelineConfiguration()
        configuration.fields.title = ["heading"]
        configuration.fields.text = ["story"]
        let (_, out) = try process(Array(line.utf8), configuration: configuration)
        #expect(out.first?["title"] as? String == "A title")
        #expect(out.first?["text"] as? String == "Body text of the story.")
        #expect(out.first?[path: "meta", "url"] as? String == "https://example.org/a")
    }

    @Test func htmlInsideJSONTextIsReducedToText() throws {
        let (_, out) = try process(try fixture("ria-2.jsonl"), name: "ria.jsonl")
        #expect(out.count == 2)
        for record in out {
            let text = try #require(record["text"] as? String)
            #expect(!text.contains("<p>"))
            #expect(!text.contains("</"))
            #expect(!text.contains("&quot;"))
            #expect(text.contains("риа новости"))
        }
        let first = try #require(out.first?["text"] as? String)
        #expect(first.contains("агентство франс пресс со ссылкой"), "link text stays, the tag goes")
    }

    @Test func markupIsFoundWhereverItStartsAndOnlyThere() throws {
        // The seed's text holds one "&" that starts no reference ("Commonwealth & Development").
        let text = try fixture("seed.txt")
        #expect(!text.withUnsafeBytes { HTMLText.containsMarkup($0) })
        let prose = Array(text.prefix(80))
        for mark in ["<p>", "</div>", "<!-- note -->", "<B>", "&amp;", "&#8217;", "&nbsp;"] {
            for offset in 0...prose.count {
                var bytes = prose
                bytes.insert(contentsOf: Array(mark.utf8), at: offset)
                #expect(bytes.withUnsafeBytes { HTMLText.containsMarkup($0) }, "\(mark) at \(offset)")
            }
        }
        for notMarkup in [" a < b ", "AT&T", " & ", " < ", " & so on; ", "&averyverylongname;", "x<3"] {
            for offset in stride(from: 0, through: prose.count, by: 7) {
                var bytes = prose
                bytes.insert(contentsOf: Array(notMarkup.utf8), at: offset)
                #expect(!bytes.withUnsafeBytes { HTMLText.containsMarkup($0) }, "\(notMarkup) at \(offset)")
            }
        }
    }

    /// The reader's strings decode as Foundation's do, with every kind of escape, and bytes outside ASCII, at every
    /// offset around its 16-byte steps; an unescaped control character is refused where it stands.
    @Test func jsonStringsDecodeAsFoundationDecodesThem() throws {
        let text = Array((try arabicParagraph().prefix(12) + " and some news text").utf8)
        let pieces = [#"\""#, #"\\"#, #"\n"#, #"\t"#, #"\/"#, #"\u00e9"#, #"\ud83d\ude00"#, #"\ud800x"#, "é", "’"]
        let parser = JSONLineParser()
        // Every character boundary of the text (a cut inside a character would not be UTF-8 for Foundation).
        let boundaries = (0...text.count).filter { $0 == text.count || text[$0] & 0xC0 != 0x80 }
        for piece in pieces {
            for offset in boundaries {
                let literal = Array(text[..<offset]) + Array(piece.utf8) + Array(text[offset...])
                let line = Array(#"{"t": ""#.utf8) + literal + Array(#""}"#.utf8)
                let fields = try line.withUnsafeBytes { buffer in
                    try Result { () throws(JSONSyntaxError) in try parser.parseObject(buffer) }.get()
                }
                guard case .string(let bytes) = fields.first?.value else {
                    Issue.record("\(piece) at \(offset): not a string")
                    continue
                }
                if piece == #"\ud800x"# {
                    // A lone surrogate: U+FFFD here (Foundation refuses the line).
                    let expected = String(decoding: text[..<offset], as: UTF8.self) + "\u{FFFD}x" + String(decoding: text[offset...], as: UTF8.self)
                    #expect(String(decoding: bytes, as: UTF8.self) == expected, "at \(offset)")
                } else {
                    let expected = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: String])["t"]
                    #expect(String(decoding: bytes, as: UTF8.self) == expected, "\(piece) at \(offset)")
                }
            }
        }
        for offset in boundaries {
            let line = Array(#"{"t": ""#.utf8) + Array(text[..<offset]) + [0x01] + Array(text[offset...]) + Array(#""}"#.utf8)
            let error = line.withUnsafeBytes { buffer in
                Result { () throws(JSONSyntaxError) in try parser.parseObject(buffer) }
            }
            guard case .failure(let failure) = error else {
                Issue.record("a control character at \(offset) was accepted")
                continue
            }
            #expect(failure.reason == "unescaped control character in a string" && failure.offset == 7 + offset)
        }
    }

    @Test func plainTextTitleIsTheFirstLine() throws {
        for name in ["bbc/business-001.txt", "bbc/sport-199.txt", "bbc/tech-001.txt"] {
            let input = try fixture(name)
            let (_, out) = try process(input, name: name)
            let firstLine = String(decoding: input, as: UTF8.self).split(separator: "\n").first.map(String.init)
            #expect(out.count == 1)
            #expect(out.first?["title"] as? String == firstLine)
            #expect(out.first?["text"] as? String != nil)
        }
    }

    @Test func aLatin1ByteIsRepairedAndCounted() throws {
        // BBC sport/199 holds one raw Latin-1 byte (a pound sign).
        let (_, out) = try process(try fixture("bbc/sport-199.txt"))
        #expect(out.first?[path: "stats", "repaired_bytes"] as? Int == 1)
        #expect((out.first?["text"] as? String)?.contains("\u{FFFD}15.8m") == true)
    }

    @Test func invalidUTF8IsRepairedAndCounted() throws {
        let (_, out) = try process(try fixture("nepali-invalid-utf8.txt"))
        let repaired = try #require(out.first?[path: "stats", "repaired_bytes"] as? Int)
        #expect(repaired > 0)
        let title = out.first?["title"] as? String ?? ""
        let text = out.first?["text"] as? String ?? ""
        #expect((title + text).contains("\u{FFFD}"))
    }

    /// A small file's invalid bytes are counted once, by the binary check, and reused; a larger file's are
    /// counted by the reader. Either way, in memory or streamed, the count is every invalid byte after the title
    /// line's start.
    @Test func invalidBytesAreCountedTheSameInsideAndBeyondTheSample() throws {
        func repaired(_ bytes: [UInt8]) throws -> [Int?] {
            var streaming = StreamingPipeline()
            streaming.compressOutput = false
            var source = MemorySource(bytes)
            var streamed: [UInt8] = []
            _ = try streaming.run(&source, sourceName: "input", sha256: "") { streamed += $0 }
            return [
                try process(bytes).1.first?[path: "stats", "repaired_bytes"] as? Int,
                try records(streamed).first?[path: "stats", "repaired_bytes"] as? Int,
            ]
        }
        let nepali = try fixture("nepali-invalid-utf8.txt")
        let once = nepali.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) }
        #expect(once > 0)
        #expect(try repaired(nepali) == [once, once])
        // With a byte-order mark; and repeated past the 64 KiB the binary check reads (its body lines repeated).
        #expect(try repaired([0xEF, 0xBB, 0xBF] + nepali) == [once, once])
        let copies = 65_536 / nepali.count + 2
        let large = Array([[UInt8]](repeating: nepali + [0x0A], count: copies).joined())
        #expect(large.count > 65_536)
        let expected = large.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) }
        #expect(try repaired(large) == [expected, expected])
    }

    /// A reader says a body is valid UTF-8 only when it is (the cleaner then copies its lines unchecked), and
    /// says so of the valid ones; cleaning either way gives the same text.
    @Test func readersMarkABodyValidOnlyWhenItIs() throws {
        var limits = ReaderLimits()
        limits.maxArticleBytes = 301  // cuts the longer bodies below, the Arabic ones inside a character or at a line end
        let reader = DumpReader(limits: limits)
        let arabic = try fixture("arabic-8.jsonl")
        let oneArabicParagraph = try arabicParagraph()
        let inputs: [(name: String, bytes: [UInt8], valid: Bool)] = [
            ("seed", try fixture("seed.txt"), true),
            ("BBC with a Latin-1 byte", try fixture("bbc/sport-199.txt"), false),
            // A cut sequence right at the body's start (the file's own first line is a paragraph, which stays in the
            // body, and its invalid bytes lie past the size limit).
            ("Nepali with invalid bytes", Array("शीर्षक\n".utf8) + [0xE0, 0xA4] + (try fixture("nepali-invalid-utf8.txt")), false),
            ("Arabic JSON Lines", arabic, true),
            ("JSON with a raw invalid byte", Array(#"{"title": "t", "content": "caf"#.utf8) + [0xE9] + Array(#" au lait"}"#.utf8), false),
            ("JSON with a lone surrogate escape", Array(#"{"title": "t", "content": "a \ud800 b"}"#.utf8), true),
            ("plain text cut at the size limit", Array(("Title\n" + oneArabicParagraph).utf8), true),
            ("a WET record", try WARCTests.wetFile(count: 2), true),
        ]
        let cleaner = Cleaner()
        for input in inputs {
            let articles = try input.bytes.withUnsafeBytes { buffer in
                try Result { () throws(InputError) in try reader.readDecompressed(buffer) }.get()
            }.articles
            #expect(!articles.isEmpty, "\(input.name)")
            for article in articles {
                #expect(article.bodyIsValidUTF8 == input.valid, "\(input.name)")
                let actuallyValid = article.body.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) } == 0
                #expect(!article.bodyIsValidUTF8 || actuallyValid, "\(input.name): marked valid and is not")
                guard actuallyValid else { continue }
                let (checked, copied) = article.body.withUnsafeBytes { body in
                    article.title.withUnsafeBytes { title in
                        (
                            cleaner.clean(body: body, title: title).text,
                            cleaner.clean(body: body, title: title, bodyIsValidUTF8: true).text
                        )
                    }
                }
                #expect(checked == copied, "\(input.name)")
            }
        }
    }

    @Test func aUTF8ByteOrderMarkIsStripped() throws {
        let input = try fixture("nepali-bom.txt")
        #expect(Array(input.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let (_, out) = try process(input)
        #expect(out.first?[path: "source", "offset"] as? Int == 3)
        #expect((out.first?["title"] as? String)?.unicodeScalars.first != "\u{FEFF}")
    }

    @Test func utf16WithAByteOrderMarkIsTranscoded() throws {
        let input = try fixture("nepali-utf16le.txt")
        let (_, out) = try process(input)
        #expect(out.first?[path: "source", "encoding"] as? String == "utf-16le")
        let expected = String(decoding: Data(input.dropFirst(2)).withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }, as: UTF16.self)
        let firstLine = expected.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first.map(String.init)
        #expect(out.first?["title"] as? String == firstLine?.trimmingCharacters(in: .whitespaces))
        #expect(out.first?[path: "stats", "repaired_bytes"] as? Int == 0)
    }

    @Test func crlfLineEndingsAreAccepted() throws {
        let input = String(decoding: try fixture("seed.txt"), as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n")
        let (_, out) = try process(Array(input.utf8))
        let text = try #require(out.first?["text"] as? String)
        #expect(!text.contains("\r"))
        #expect(text.components(separatedBy: "\n\n").count == 9)
    }

    @Test func gzipInputIsDetectedFromTheContent() throws {
        let plain = try fixture("arabic-8.jsonl")
        let (processed, out) = try process(try GzipEncoder.compress(plain), name: "dump.dat")
        #expect(processed.compression == .gzip)
        #expect(processed.format == .jsonl)
        #expect(out.count == 8)
        #expect(out.first?[path: "source", "compression"] as? String == "gzip")
    }

    @Test func anEmptyFileIsAClearError() throws {
        for empty in [[], Array("  \n\r\n\t".utf8), [0xEF, 0xBB, 0xBF, 0x0A] as [UInt8]] {
            #expect(throws: InputError.empty) { try process(empty) }
        }
    }

    @Test func aBinaryFileIsRefused() throws {
        // A gzip-compressed fixture with its magic bytes broken: binary data that is not gzip.
        var binary = try GzipEncoder.compress(try fixture("seed.txt"))
        binary[0] = 0x7F
        let error = try #require(throws: InputError.self) { try process(binary) }
        #expect(error.kind == "binary")
        #expect(error.description.contains("binary"))
    }

    @Test func aFileOfOnlyGarbageJSONLinesIsUnparsable() throws {
        let garbage = Array("{not json\n{\"a\": [1, 2\n{}\n".utf8)
        let error = try #require(throws: InputError.self) { try process(garbage) }
        #expect(error.kind == "unparsable")
        #expect(error.description.contains("line 1"))
    }
}

/// The byte-level UTF-8 helpers against the standard library's decoding (which replaces each maximal invalid
/// subpart with one U+FFFD, as they do), on real text cut and mixed with invalid bytes.
@Suite struct UTF8BytesTests {
    @Test func repairCountAndCharactersAgreeWithTheStandardLibrary() throws {
        // Real text in several scripts and in four UTF-8 lengths, then pieces of it with bytes that break it (and
        // valid sequences at the edges of the ranges). Pieces of up to 200 bytes of text outside ASCII cross the
        // 64-byte steps of the check (`validBlockLength`) with a breaker anywhere in them.
        let arabic = try fixture("arabic-8.jsonl").prefix(3_000)
        let text = Array(String(decoding: try fixture("seed.txt"), as: UTF8.self).prefix(400).utf8)
            + Array("Москва مرحبا नेपाल 中文 😀 é ’".utf8)
            + Array(String(decoding: arabic, as: UTF8.self).utf8)
            + Array(String(repeating: "中文字符𠀀😀Ωω", count: 20).utf8)
        let breakers: [[UInt8]] = [
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC3], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xE2, 0x82],
            [0xED, 0xA0, 0x80], [0xF0, 0x9F], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xFF],
            // Valid: U+0080, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF.
            [0xC2, 0x80], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF],
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        ]
        var generator = SplitMix64(seed: 8)
        for _ in 0..<6_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let start = Int.random(in: 0..<text.count, using: &generator)
                bytes += text[start..<min(text.count, start + Int.random(in: 0...200, using: &generator))]
                bytes += breakers.randomElement(using: &generator)!
            }
            let decoded = String(decoding: bytes, as: UTF8.self)
            var repaired: [UInt8] = []
            let replaced = bytes.withUnsafeBytes { UTF8Bytes.appendRepairing($0, to: &repaired) }
            #expect(repaired == Array(decoded.utf8), "\(bytes)")
            #expect(bytes.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) } == replaced)
            #expect(bytes.withUnsafeBytes { UTF8Bytes.scalarCount($0) } == decoded.unicodeScalars.count)
        }
    }

    /// At every cut of text in four scripts, the unfinished tail is the part of the character the cut split, and
    /// nothing at a character boundary; bytes that start no valid sequence are no unfinished character.
    @Test func theCharacterACutSplitIsFound() {
        let text = "Café عربي 中文 😀 ok"
        var starts: [Int] = []
        var offset = 0
        for scalar in text.unicodeScalars {
            starts.append(offset)
            offset += String(scalar).utf8.count
        }
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            let start = starts.last { $0 <= cut } ?? 0
            let expected = cut == bytes.count || starts.contains(cut) ? 0 : cut - start
            #expect(bytes.prefix(cut).withUnsafeBytes { UTF8Bytes.unfinishedSuffixLength($0) } == expected, "cut at \(cut)")
        }
        for invalid: [UInt8] in [[0x80], [0x80, 0x80, 0x80], [0xC0], [0xC1], [0xF5], [0x61, 0xFF]] {
            #expect(invalid.withUnsafeBytes { UTF8Bytes.unfinishedSuffixLength($0) } == 0, "\(invalid)")
        }
    }
}

@Suite struct FirstLineTests {
    @Test func aFirstLineThatReadsAsAParagraphStaysInTheText() throws {
        let paragraph = "The government said on Monday that the new rules on imports would take effect next year, after a long debate in parliament about their costs."
        let second = "Ministers met again on Tuesday, and the talks went on late into the night before an agreement was reached."
        let (_, records) = try process(Array((paragraph + "\n\n" + second + "\n").utf8))
        let record = try #require(records.first)
        #expect(record["title"] as? String == paragraph)
        #expect((record["text"] as? String)?.hasPrefix(paragraph) == true)
        // A headline is a title only.
        let (_, headed) = try process(Array(("Rules on imports delayed\n\n" + paragraph + "\n").utf8))
        #expect(headed.first?["title"] as? String == "Rules on imports delayed")
        #expect(headed.first?["text"] as? String == paragraph)
    }
}
