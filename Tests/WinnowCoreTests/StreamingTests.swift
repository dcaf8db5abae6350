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
        let expected = try GzipEncoder.compress(try whole.process(seed, sourceName: "dump.jsonl").jsonl)
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

    @Test func gzipInputStreamsAndATruncatedOneFails() throws {
        let dump = try largeDump()
        let compressed = try GzipEncoder.compress(dump)
        let (outcome, _) = try stream(compressed, pipeline: StreamingPipeline(chunkBytes: 64 * 1024))
        #expect(outcome.gzip)
        #expect(outcome.articles == 72)
        #expect(outcome.decompressedBytes == dump.count)
        let cut = Array(compressed.prefix(compressed.count - 100))
        #expect(throws: InputError.self) { try stream(cut, pipeline: StreamingPipeline(chunkBytes: 64 * 1024)) }
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
