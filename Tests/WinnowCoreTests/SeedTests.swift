import Foundation
import Testing
import WinnowCore

/// The reference input of the whole pipeline: a scraped Benzinga article with its trailing boilerplate.
@Suite struct SeedTests {
    let input: [UInt8]
    let record: [String: Any]

    init() throws {
        input = try fixture("seed.txt")
        let (_, records) = try process(input, name: "000_23272d59b78fa6f4.txt")
        try #require(records.count == 1)
        record = records[0]
    }

    @Test func textIsExactlyTheNineBodyParagraphs() throws {
        let text = try #require(record["text"] as? String)
        let paragraphs = text.components(separatedBy: "\n\n")
        #expect(paragraphs.count == 9)
        #expect(paragraphs.first?.hasPrefix("In a recent development, Chinese President Xi Jinping") == true)
        #expect(paragraphs.last?.hasSuffix("China's diminishing influence over Pyongyang.") == true)
        // Each paragraph is a line of the input, in order.
        let lines = String(decoding: input, as: UTF8.self).components(separatedBy: "\n")
        var cursor = 0
        for paragraph in paragraphs {
            let found = try #require(lines[cursor...].firstIndex(of: paragraph), "paragraph not in input: \(paragraph)")
            cursor = found + 1
        }
        for boilerplate in [
            "See Also", "Did You Know?", "Market News and Data", "Comments", "Loading...", "Posted In:",
            "Benzinga simplifies", "Trade confidently", "Join Now: Free!", "Images by", "Benzinga Neuro",
        ] {
            #expect(!text.contains(boilerplate), "still contains \(boilerplate)")
        }
        #expect(!text.contains("Xi Jinping Vows To Strengthen"), "the title is not repeated in the text")
    }

    @Test func titleIsTheFirstLine() {
        #expect(
            record["title"] as? String
                == "Xi Jinping Vows To Strengthen China-North Korea Ties In Message To Kim Jong Un Amid Signs Of Diplomatic Strains"
        )
    }

    @Test func creditsAndGeneratorMoveToMeta() throws {
        let meta = try #require(record["meta"] as? [String: Any])
        #expect(
            meta["credits"] as? [String] == [
                "Images by Foreign, Commonwealth & Development Office via Flickr and The Presidential Press and Information Office via Wikimedia Commons"
            ]
        )
        #expect(meta["generator"] as? String == "Benzinga Neuro")
        #expect(meta["editor"] as? String == "Pooja Rajkumari")
    }

    @Test func everyRemovedSpanPointsAtItsBytesInTheInputFile() throws {
        let removed = try #require(record["removed"] as? [[String: Any]])
        let rules = removed.compactMap { $0["rule"] as? String }
        #expect(
            rules == [
                "see-also", "promo-heading", "image-credit", "generator-note", "site-attribution", "comments", "loading",
                "tags", "after-comments", "call-to-action",
            ]
        )
        for span in removed {
            let offset = try #require(span["offset"] as? Int)
            let length = try #require(span["length"] as? Int)
            let text = try #require(span["text"] as? String)
            #expect(String(decoding: input[offset..<(offset + length)], as: UTF8.self) == text)
        }
        let moved = removed.filter { $0["action"] as? String == "meta" }.compactMap { $0["rule"] as? String }
        #expect(moved == ["image-credit", "generator-note", "tags"])
    }

    @Test func statisticsDescribeTheCleanText() throws {
        let stats = try #require(record["stats"] as? [String: Any])
        let text = try #require(record["text"] as? String)
        #expect(stats["bytes"] as? Int == text.utf8.count)
        #expect(stats["characters"] as? Int == text.unicodeScalars.count)
        #expect(stats["paragraphs"] as? Int == 9)
        #expect(stats["repaired_bytes"] as? Int == 0)
        let sentences = try #require(stats["sentences"] as? Int)
        #expect((11...14).contains(sentences))
        let words = try #require(stats["words"] as? Int)
        #expect((290...320).contains(words))
        let top = try #require(record["top_terms"] as? [[String: Any]])
        #expect(top.first?["term"] as? String == "north")
        #expect(top.count == 10)
        #expect(!top.contains { ["the", "of", "and", "to"].contains($0["term"] as? String ?? "") })
    }

    @Test func provenanceNamesTheFileAndItsHash() throws {
        let source = try #require(record["source"] as? [String: Any])
        #expect(source["file"] as? String == "000_23272d59b78fa6f4.txt")
        #expect(source["sha256"] as? String == SHA256.hex(input))
        #expect(source["format"] as? String == "text")
        #expect(source["offset"] as? Int == 0)
        #expect(source["length"] as? Int == input.count)
        #expect(record["winnow"] as? String == Winnow.version)
        #expect((record["id"] as? String)?.count == 32)
    }
}
