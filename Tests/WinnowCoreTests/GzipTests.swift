import Testing
import WinnowCore

@Suite struct GzipTests {
    @Test func concatenatedMembersAreOneStream() throws {
        let a = Array("first member\n".utf8)
        let b = Array("second member\n".utf8)
        let joined = try GzipEncoder.compress(a) + GzipEncoder.compress(b, level: 1)
        let out = try joined.withUnsafeBytes { try GzipDecoder.decompress($0) }
        #expect(out == a + b)
    }

    @Test func truncatedStreamNamesTheOffset() throws {
        let full = try GzipEncoder.compress(try fixture("arabic-8.jsonl"))
        let cut = Array(full[0..<(full.count / 2)])
        #expect(throws: GzipError.truncated(offset: cut.count)) {
            try cut.withUnsafeBytes { try GzipDecoder.decompress($0) }
        }
    }

    @Test func corruptStreamIsAnError() throws {
        var bytes = try GzipEncoder.compress(try fixture("seed.txt"))
        for i in 20..<60 { bytes[i] ^= 0x5A }
        let error = try #require(throws: GzipError.self) {
            try bytes.withUnsafeBytes { try GzipDecoder.decompress($0) }
        }
        guard case .corrupt = error else {
            Issue.record("expected .corrupt, got \(error)")
            return
        }
    }

    @Test func garbageAfterTheLastMemberIsAnError() throws {
        let bytes = try GzipEncoder.compress(Array("text".utf8)) + Array("junk".utf8)
        #expect(throws: GzipError.self) { try bytes.withUnsafeBytes { try GzipDecoder.decompress($0) } }
    }

    @Test func expansionBeyondTheLimitIsRefused() throws {
        let zeros = [UInt8](repeating: 0x20, count: 4 << 20)
        let bomb = try GzipEncoder.compress(zeros, level: 9)
        let limits = InflateLimits(maxOutputBytes: 1 << 20)
        #expect(throws: GzipError.outputLimitExceeded(limit: 1 << 20)) {
            try bomb.withUnsafeBytes { try GzipDecoder.decompress($0, limits: limits) }
        }
    }
}
