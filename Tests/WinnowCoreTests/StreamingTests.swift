import Foundation
import Testing
import WinnowCore

@Suite struct StreamingTests {
    func stream(_ bytes: [UInt8], pipeline: StreamingPipeline) throws -> (StreamOutcome, [UInt8]) {
        var source = MemorySource(bytes)
        var output: [UInt8] = []
        let outcome = try pipeline.run(&source, sourceName: "dump.jsonl", sha256: SHA256.hex(bytes)) { output.append(contentsOf: $0) }
        return (outcome, output)
    }

    /// The Arabic excerpt repeated to about 600 KB: ten chunks of 64 KiB.
    func largeDump() throws -> [UInt8] {
        let lines = try fixture("arabic-8.jsonl")
        var dump: [UInt8] = []
        for _ in 0..<9 { dump += lines }
        return dump
    }

    @Test func chunkedOutputHasTheSameRecordsAsTheWholeInput() throws {
        let dump = try largeDump()
        let (outcome, gzip) = try stream(dump, pipeline: StreamingPipeline(chunkBytes: 64 * 1024))
        #expect(outcome.chunks > 5)
        #expect(outcome.articles == 72)
        let jsonl = try gzip.withUnsafeBytes { try GzipDecoder.decompress($0) }
        var whole = Pipeline()
        #expect(jsonl == (try whole.process(dump, sourceName: "dump.jsonl").jsonl))
    }

    @Test func outputBytesDoNotDependOnTheNumberOfThreads() throws {
        let dump = try largeDump()
        let (_, one) = try stream(dump, pipeline: StreamingPipeline(chunkBytes: 64 * 1024, parallelism: 1))
        let (_, three) = try stream(dump, pipeline: StreamingPipeline(chunkBytes: 64 * 1024, parallelism: 3))
        #expect(one == three)
    }

    @Test func aSmallInputIsOneMemberIdenticalToTheInMemoryPath() throws {
        let seed = try fixture("seed.txt")
        let (outcome, gzip) = try stream(seed, pipeline: StreamingPipeline())
        #expect(outcome.chunks == 1)
        var whole = Pipeline()
        let expected = try OutputCodec.gzip.compress(try whole.process(seed, sourceName: "dump.jsonl").jsonl)
        #expect(gzip == expected)
    }

    @Test func aLineLongerThanTheLimitIsSkippedWithoutHoldingIt() throws {
        let lines = String(decoding: try fixture("arabic-8.jsonl"), as: UTF8.self).split(separator: "\n").map(String.init)
        let long = #"{"title": "huge", "content": ""# + String(repeating: "x", count: 3 << 20) + #""}"#
        let dump = Array(([lines[0], long] + lines[1...]).joined(separator: "\n").utf8)
        var configuration = PipelineConfiguration()
        configuration.limits.maxLineBytes = 1 << 20
        let (outcome, gzip) = try stream(dump, pipeline: StreamingPipeline(configuration: configuration, chunkBytes: 64 * 1024))
        #expect(outcome.articles == 8)
        #expect(outcome.issueCount == 1)
        #expect(outcome.issues.first?.line == 2)
        #expect(outcome.issues.first?.reason.contains("max-line-bytes") == true)
        let records = try gzip.withUnsafeBytes { try GzipDecoder.decompress($0) }.split(separator: 0x0A)
        #expect(records.count == 8)
    }

    @Test func aPlainTextArticleBeyondTheLimitIsCutAndFlagged() throws {
        let seed = String(decoding: try fixture("seed.txt"), as: UTF8.self)
        let big = Array((seed + "\n" + String(repeating: "Another real paragraph of news text.\n\n", count: 60_000)).utf8)
        var configuration = PipelineConfiguration()
        configuration.limits.maxArticleBytes = 256 * 1024
        let (outcome, gzip) = try stream(big, pipeline: StreamingPipeline(configuration: configuration))
        #expect(outcome.articles == 1)
        #expect(outcome.decompressedBytes == big.count)
        let record = try JSONSerialization.jsonObject(with: Data(try gzip.withUnsafeBytes { try GzipDecoder.decompress($0) })) as? [String: Any]
        #expect((record?["meta"] as? [String: Any])?["truncated"] as? Bool == true)
        #expect((record?["source"] as? [String: Any])?["length"] as? Int == big.count)
        #expect(((record?["text"] as? String)?.utf8.count ?? .max) <= 256 * 1024)
    }

    @Test func gzipInputStreams() throws {
        let dump = try largeDump()
        let compressed = try GzipEncoder.compress(dump)
        let (outcome, _) = try stream(compressed, pipeline: StreamingPipeline(chunkBytes: 64 * 1024))
        #expect(outcome.compression == .gzip)
        #expect(outcome.articles == 72)
        #expect(outcome.decompressedBytes == dump.count)
        #expect(outcome.issues.isEmpty)
    }

    /// A record's id is the first 128 bits of the SHA-256 of its article's bytes in the input, in memory and
    /// streamed: for a plain file, the file's own hash (which neither path computes twice); for a gzip file or
    /// one with a byte-order mark, the hash of the article's bytes, not the file's.
    @Test func aRecordIdIsTheHashOfItsArticlesBytes() throws {
        let seed = try fixture("seed.txt")
        let marked = [0xEF, 0xBB, 0xBF] + seed
        for input in [seed, try GzipEncoder.compress(seed), marked] {
            let expected = String(SHA256.hex(seed).prefix(32))
            var pipeline = Pipeline()
            let inMemory = try records(try pipeline.process(input, sourceName: "a").jsonl)
            var streaming = StreamingPipeline()
            streaming.compressOutput = false
            var source = MemorySource(input)
            var streamed: [UInt8] = []
            _ = try streaming.run(&source, sourceName: "a", sha256: SHA256.hex(input)) { streamed += $0 }
            #expect(inMemory.first?["id"] as? String == expected)
            #expect(try records(streamed).first?["id"] as? String == expected)
        }
    }

    /// The ids and texts of the records, in order.
    func recordTexts(_ gzip: [UInt8]) throws -> [[String]] {
        try records(try gzip.withUnsafeBytes { try GzipDecoder.decompress($0) }).map { record in
            [try #require(record["id"] as? String), try #require(record["text"] as? String)]
        }
    }

    /// A gzip stream cut short is read up to the cut: every line inflated whole before it gives its record, as
    /// it would from the whole file, and the cut is reported where the readable input ends. Bytes after the
    /// last member are reported, its records all written. A corrupt stream, or one with nothing readable, is
    /// refused for what it is.
    @Test func aGzipStreamCutShortIsReadUpToTheCut() throws {
        let dump = try largeDump()
        let compressed = try GzipEncoder.compress(dump)
        let pipeline = StreamingPipeline(chunkBytes: 64 * 1024, parallelism: 2)
        let whole = try recordTexts(try stream(compressed, pipeline: pipeline).1)
        for (broken, what) in [(Array(compressed.prefix(compressed.count * 3 / 4)), "truncated"), (compressed + Array("trailer\n".utf8), "non-gzip bytes")] {
            let (outcome, gzip) = try stream(broken, pipeline: pipeline)
            let readable = try #require(outcome.issues.last)
            #expect(readable.reason.contains(what), "\(readable)")
            #expect(readable.offset == outcome.decompressedBytes)
            // Every line inflated whole before the break, and only those.
            let wholeLines = dump.prefix(outcome.decompressedBytes).split(separator: 0x0A, omittingEmptySubsequences: false).count - 1
            #expect(outcome.articles == wholeLines)
            #expect(what == "truncated" ? wholeLines > 20 && wholeLines < 72 : wholeLines == 72)
            #expect(try recordTexts(gzip) == Array(whole.prefix(wholeLines)))
        }
        var corrupt = compressed
        corrupt[corrupt.count / 2] ^= 0xFF
        #expect(throws: InputError.self) { try stream(corrupt, pipeline: pipeline) }
        #expect(throws: InputError.gzip(.truncated(offset: 10))) { try stream(Array(compressed.prefix(10)), pipeline: pipeline) }
    }

    /// A plain-text article whose gzip stream is cut is the part inflated, flagged as cut, without the character
    /// the break may have split.
    @Test func aPlainTextArticleCutByItsGzipStreamIsFlagged() throws {
        let arabic = Array(try arabicParagraph().utf8)
        let article = Array("عنوان\n".utf8) + arabic
        let compressed = try GzipEncoder.compress(article)
        var splitCharacters = 0
        for cut in stride(from: compressed.count / 3, to: compressed.count - 8, by: 7) {
            let broken = Array(compressed.prefix(cut))
            // What the stream gives up to the cut, and whether it ends inside a character.
            var inflated: [UInt8] = []
            try broken.withUnsafeBytes { try GzipInflater().inflate($0) { inflated += $0 } }
            splitCharacters += inflated.withUnsafeBytes { UTF8Bytes.unfinishedSuffixLength($0) } > 0 ? 1 : 0
            let (outcome, gzip) = try stream(broken, pipeline: StreamingPipeline())
            #expect(outcome.articles == 1)
            #expect(outcome.issues.last?.reason.contains("truncated") == true)
            let record = try #require(try records(try gzip.withUnsafeBytes { try GzipDecoder.decompress($0) }).first)
            #expect((record["meta"] as? [String: Any])?["truncated"] as? Bool == true)
            #expect((record["stats"] as? [String: Any])?["repaired_bytes"] as? Int == 0)
            let text = try #require(record["text"] as? String)
            #expect(!text.contains("\u{FFFD}"))
            #expect(arabic.starts(with: Array(text.utf8)))
        }
        #expect(splitCharacters > 0)
    }
}

@Suite struct LineMemoryTests {
    @Test func linesRecurringAcrossDocumentsAreRemovedAndParagraphsKept() throws {
        // Three real BBC articles with the same site footer appended (digits vary, as dates do).
        let articles = try ["bbc/business-001.txt", "bbc/sport-199.txt", "bbc/tech-001.txt"].map { try fixture($0) }
        let pages = articles.enumerated().map { i, article in article + Array("\n\nSee all our coverage of 200\(i) here\n".utf8) }
        var memory = LineMemory(threshold: 3)
        for page in pages { page.withUnsafeBytes { memory.observe($0) } }
        pages[0].withUnsafeBytes { memory.observe($0) }  // an identical document is not counted twice
        #expect(memory.documentCount == 3)
        let cleaner = Cleaner(memory: memory)
        let title: [UInt8] = []
        let cleaned = pages[1].withUnsafeBytes { body in title.withUnsafeBytes { cleaner.clean(body: body, title: $0) } }
        #expect(cleaned.removed.contains { $0.rule == "repeated-line" })
        let text = String(decoding: cleaned.text, as: UTF8.self)
        #expect(!text.contains("See all our coverage"))
        #expect(text.contains("Chelsea have sacked Adrian Mutu"))
        // Saved and loaded, it says the same.
        let reloaded = LineMemory(serialized: memory.serialized())
        let again = pages[1].withUnsafeBytes { body in title.withUnsafeBytes { Cleaner(memory: reloaded).clean(body: body, title: $0) } }
        #expect(again.text == cleaned.text)
    }
}

@Suite struct TimeBudgetTests {
    @Test func anInputPastItsTimeBudgetIsAbandonedAsTooSlow() throws {
        var configuration = PipelineConfiguration()
        configuration.maxSecondsPerFile = 0
        var source = MemorySource(try fixture("arabic-8.jsonl"))
        #expect(throws: InputError.tooSlow(seconds: 0)) {
            try StreamingPipeline(configuration: configuration).run(&source, sourceName: "a.jsonl", sha256: "") { _ in }
        }
        configuration.maxSecondsPerFile = 60
        var again = MemorySource(try fixture("arabic-8.jsonl"))
        let outcome = try StreamingPipeline(configuration: configuration).run(&again, sourceName: "a.jsonl", sha256: "") { _ in }
        #expect(outcome.articles == 8)
    }
}
