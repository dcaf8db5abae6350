import Foundation
import Testing
import WinnowCore

@Suite struct WARCTests {
    /// A WARC record: the header block, a blank line, the content, two line ends (CRLF, as the format says).
    static func record(type: String, uri: String?, date: String, id: Int, contentType: String, content: [UInt8]) -> [UInt8] {
        var header = "WARC/1.0\r\nWARC-Type: \(type)\r\n"
        if let uri { header += "WARC-Target-URI: \(uri)\r\n" }
        header += "WARC-Date: \(date)\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-\(String(format: "%012d", id))>\r\n"
        header += "Content-Type: \(contentType)\r\nContent-Length: \(content.count)\r\n\r\n"
        return Array(header.utf8) + content + Array("\r\n\r\n".utf8)
    }

    /// A WET file of `count` real BBC articles from ../shared/corpus, with the record types a crawl also has.
    static func wetFile(count: Int, gzipPerRecord: Bool = false) throws -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus/clean/bbc")
        var records: [[UInt8]] = [record(type: "warcinfo", uri: nil, date: "2024-09-09T00:00:00Z", id: 0, contentType: "application/warc-fields", content: Array("software: winnow-tests\r\n".utf8))]
        var n = 0
        outer: for category in ["business", "entertainment", "politics", "sport", "tech"] {
            let folder = root.appendingPathComponent(category)
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
                let article = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
                n += 1
                let uri = "https://news.example/\(category)/\(file.dropLast(4))"
                records.append(record(type: "request", uri: uri, date: "2024-09-09T10:00:00Z", id: n * 3, contentType: "application/http", content: Array("GET / HTTP/1.1\r\n\r\n".utf8)))
                records.append(record(type: "conversion", uri: uri, date: "2024-09-09T10:00:\(String(format: "%02d", n % 60))Z", id: n * 3 + 1, contentType: "text/plain", content: article))
                records.append(record(type: "metadata", uri: uri, date: "2024-09-09T10:00:00Z", id: n * 3 + 2, contentType: "application/warc-fields", content: Array("fetchTimeMs: 12\r\n".utf8)))
                if n == count { break outer }
            }
        }
        guard gzipPerRecord else { return records.flatMap { $0 } }
        return try records.flatMap { try GzipEncoder.compress($0) }
    }

    @Test func aWETFileOfAThousandArticlesGivesOneRecordPerConversionRecord() throws {
        let wet = try Self.wetFile(count: 1000)
        var pipeline = Pipeline()
        let processed = try pipeline.process(wet, sourceName: "crawl.warc.wet")
        #expect(processed.format == .warc)
        let out = try records(processed.jsonl)
        #expect(out.count == 1000)
        #expect(out.first?[path: "meta", "url"] as? String == "https://news.example/business/001")
        #expect(out.first?[path: "meta", "date"] as? String == "2024-09-09T10:00:01Z")
        #expect((out.first?[path: "meta", "warc_record_id"] as? String)?.hasPrefix("<urn:uuid:") == true)
        #expect(out.first?["title"] as? String == "Ad sales boost Time Warner profit")
        #expect((out.first?["text"] as? String)?.hasPrefix("Quarterly profits at US media giant TimeWarner") == true)
        // The offset points at the record's content in the file.
        let offset = try #require(out.first?[path: "source", "offset"] as? Int)
        #expect(String(decoding: wet[offset..<(offset + 8)], as: UTF8.self) == "Ad sales")
    }

    @Test func streamedAndGzipPerRecordGiveTheSameRecords() throws {
        let wet = try Self.wetFile(count: 300)
        var whole = Pipeline()
        let expected = try whole.process(wet, sourceName: "crawl.warc.wet").jsonl
        var streaming = StreamingPipeline(chunkBytes: 64 * 1024, parallelism: 2)
        streaming.compressOutput = false
        var source = MemorySource(wet)
        var streamed: [UInt8] = []
        let outcome = try streaming.run(&source, sourceName: "crawl.warc.wet", sha256: SHA256.hex(wet)) { streamed += $0 }
        #expect(outcome.articles == 300)
        #expect(outcome.skippedRecords == ["warcinfo": 1, "request": 300, "metadata": 300])
        #expect(outcome.chunks > 5)
        // Same records, except source.sha256 (the in-memory path hashes what it was given too: the same bytes).
        #expect(streamed == expected)

        let gzipped = try Self.wetFile(count: 300, gzipPerRecord: true)
        var gzSource = MemorySource(gzipped)
        var fromGzip: [UInt8] = []
        let gzOutcome = try streaming.run(&gzSource, sourceName: "crawl.warc.wet.gz", sha256: "") { fromGzip += $0 }
        #expect(gzOutcome.compression == .gzip)
        #expect(gzOutcome.articles == 300)
        #expect(try records(fromGzip).map { $0["text"] as? String } == (try records(expected).map { $0["text"] as? String }))
    }

    @Test func aResponseRecordWithHTMLIsReducedToTextAndCleaned() throws {
        let html = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><title>Xi Vows To Strengthen Ties</title><style>p{}</style></head><body><nav>Home</nav><p>In a recent development, Chinese President Xi Jinping has expressed his intent to strengthen ties with North Korea, despite indications of strained relations.</p><p>Xi underscored the 75th anniversary of diplomatic relations between China and the Democratic People&#39;s Republic of Korea, asserting that the bonds have become stronger over time.</p></body></html>"
        let warc = Self.record(type: "response", uri: "https://news.example/xi", date: "2024-09-10T08:00:00Z", id: 1, contentType: "application/http; msgtype=response", content: Array(html.utf8))
        var pipeline = Pipeline()
        let out = try records(try pipeline.process(warc, sourceName: "a.warc").jsonl)
        #expect(out.count == 1)
        #expect(out.first?["title"] as? String == "Xi Vows To Strengthen Ties")
        let text = try #require(out.first?["text"] as? String)
        #expect(text.hasPrefix("In a recent development"))
        #expect(text.contains("People's Republic"))
        #expect(!text.contains("<p>"))
        #expect(!text.contains("Home"))
    }

    @Test func aDamagedHeaderIsReportedAndTheNextRecordStillRead() throws {
        let good = Self.record(type: "conversion", uri: "https://news.example/a", date: "2024-09-10T08:00:00Z", id: 1, contentType: "text/plain", content: try fixture("seed.txt"))
        let damaged = Array("WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: many\r\n\r\nlost\r\n\r\n".utf8)
        var pipeline = Pipeline()
        let processed = try pipeline.process(damaged + good, sourceName: "a.warc")
        #expect(processed.articles == 1)
        #expect(processed.issues.first?.reason.contains("Content-Length 'many'") == true)
    }
}
