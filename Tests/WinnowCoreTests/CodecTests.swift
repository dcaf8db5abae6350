import Foundation
import Testing
import WinnowCore

/// Output through libdeflate and zstd, and zstd inputs read with the same limits and damage handling as gzip.
@Suite struct CodecTests {
    /// The Arabic excerpt repeated to about 600 KB: ten chunks of 64 KiB.
    func largeDump() throws -> [UInt8] {
        let lines = try fixture("arabic-8.jsonl")
        var dump: [UInt8] = []
        for _ in 0..<9 { dump += lines }
        return dump
    }

    func stream(_ bytes: [UInt8], codec: OutputCodec = .gzip, parallelism: Int = 1, name: String = "dump.jsonl") throws
        -> (StreamOutcome, [UInt8])
    {
        var source = MemorySource(bytes)
        var output: [UInt8] = []
        let pipeline = StreamingPipeline(codec: codec, chunkBytes: 64 * 1024, parallelism: parallelism)
        let outcome = try pipeline.run(&source, sourceName: name, sha256: SHA256.hex(bytes)) { output.append(contentsOf: $0) }
        return (outcome, output)
    }

    func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { raw in
            switch Compression.detect(raw) {
            case .gzip: return try GzipDecoder.decompress(raw)
            case .zstd: return try ZstdDecoder.decompress(raw)
            case .none: return bytes
            }
        }
    }

    @Test(arguments: [OutputCodec(.gzip), OutputCodec(.gzip, level: 1), OutputCodec(.gzip, level: 12), OutputCodec(.zstd), OutputCodec(.zstd, level: 19)])
    func everyCodecWritesOneValidStreamOfTheSameRecords(codec: OutputCodec) throws {
        let dump = try largeDump()
        let (outcome, compressed) = try stream(dump, codec: codec)
        #expect(outcome.chunks > 5)
        let (_, plain) = try stream(dump, codec: .gzip)
        #expect(try decompress(compressed) == (try decompress(plain)))
        #expect(try records(try decompress(compressed)).count == 72)
        // One member or frame per chunk, each whole.
        #expect(Compression.detect(compressed.withUnsafeBytes { $0 }) == codec.compression)
        // The same bytes whatever the number of threads.
        let (_, twoThreads) = try stream(dump, codec: codec, parallelism: 2)
        #expect(twoThreads == compressed)
    }

    @Test func gzipMembersCarryNoTimeAndZstdFramesAChecksum() throws {
        let member = try OutputCodec.gzip.compress(Array("one record\n".utf8))
        #expect(Array(member.prefix(3)) == [0x1F, 0x8B, 8])
        #expect(Array(member[4..<8]) == [0, 0, 0, 0], "mtime 0")
        let frame = try OutputCodec(.zstd).compress(Array("one record\n".utf8))
        #expect(frame[4] & 0x04 != 0, "content checksum flag")
        #expect(try frame.withUnsafeBytes { try ZstdDecoder.decompress($0) } == Array("one record\n".utf8))
    }

    @Test func recordsAreTheSameWhateverTheInputsCompression() throws {
        let dump = try fixture("arabic-8.jsonl")
        let gzip = try OutputCodec(.gzip, level: 9).compress(dump)
        let zstd = try OutputCodec(.zstd).compress(dump)
        var answers: [[String]] = []
        for (input, compression) in [(dump, "none"), (gzip, "gzip"), (zstd, "zstd")] {
            let (outcome, output) = try stream(input)
            #expect(outcome.compression.rawValue == compression)
            #expect(outcome.decompressedBytes == dump.count)
            let parsed = try records(try decompress(output))
            #expect(parsed.count == 8)
            #expect(parsed.allSatisfy { $0[path: "source", "compression"] as? String == compression })
            answers.append(parsed.map { "\($0["title"] ?? "")|\($0["text"] ?? "")|\($0[path: "source", "offset"] ?? "")" })
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0] == answers[2])
    }

    @Test func aTruncatedZstdStreamKeepsTheArticlesBeforeTheCut() throws {
        // Nine frames of eight articles, as a writer that compresses in chunks (Winnow, zstd -T) makes them.
        let lines = try fixture("arabic-8.jsonl")
        var zstd: [UInt8] = []
        for _ in 0..<9 { zstd += try OutputCodec(.zstd).compress(lines) }
        let (outcome, output) = try stream(Array(zstd.prefix(zstd.count / 2)))
        #expect(outcome.compression == .zstd)
        #expect(outcome.articles > 10 && outcome.articles < 72)
        #expect(outcome.issues.contains { $0.reason.contains("zstd stream is truncated") && $0.reason.contains("compressed byte \(zstd.count / 2)") })
        #expect(try records(try decompress(output)).count == outcome.articles)
        // Nothing readable: a clear error, not an empty output.
        #expect(throws: InputError.zstd(.truncated(offset: 12))) { try stream(Array(zstd.prefix(12))) }
    }

    @Test func aCorruptZstdFrameIsRefused() throws {
        var zstd = try OutputCodec(.zstd).compress(try largeDump())
        zstd[zstd.count / 2] ^= 0xFF
        do {
            _ = try stream(zstd)
            Issue.record("a corrupt frame was read")
        } catch let error as InputError {
            guard case .zstd(.corrupt) = error else { throw error }
            #expect(error.kind == "zstd")
        }
    }

    @Test func bytesAfterTheLastFrameEndTheInputWithAWarning() throws {
        let dump = try fixture("arabic-8.jsonl")
        let zstd = try OutputCodec(.zstd).compress(dump) + Array("not zstd".utf8)
        let (outcome, _) = try stream(zstd)
        #expect(outcome.articles == 8)
        #expect(outcome.issues.contains { $0.reason.contains("non-zstd bytes after the last zstd frame") })
    }

    @Test func aZstdBombIsRefusedNamingItsLimit() throws {
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 16 << 20)
        let bomb = try OutputCodec(.zstd, level: 19).compress(filler)
        #expect(bomb.count < 16 << 10)
        var configuration = PipelineConfiguration()
        configuration.limits.inflate.ratioGrace = 1 << 20
        var source = MemorySource(bomb)
        do {
            _ = try StreamingPipeline(configuration: configuration).run(&source, sourceName: "bomb.zst", sha256: "") { _ in }
            Issue.record("the bomb was read")
        } catch let error as InputError {
            guard case .zstd(.expansionRatioExceeded(ratio: 200, _)) = error else { throw error }
            #expect(error.description.contains("max-expansion-ratio"))
        }
        var limits = InflateLimits()
        limits.maxOutputBytes = 1 << 20
        #expect(throws: ZstdError.outputLimitExceeded(limit: 1 << 20)) {
            try bomb.withUnsafeBytes { try ZstdDecoder.decompress($0, limits: limits) }
        }
    }
}
