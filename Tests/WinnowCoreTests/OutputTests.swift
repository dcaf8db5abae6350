import Foundation
import Testing
import WinnowCore

@Suite struct OutputTests {
    @Test func sameInputGivesByteIdenticalGzip() throws {
        let input = try fixture("seed.txt")
        var first = Pipeline()
        var second = Pipeline()
        let a = try GzipEncoder.compress(try first.process(input, sourceName: "seed.txt").jsonl)
        let b = try GzipEncoder.compress(try second.process(input, sourceName: "seed.txt").jsonl)
        #expect(a == b)
        // gzip header: magic, deflate, no flags, mtime 0.
        #expect(Array(a[0..<8]) == [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00])
        let roundTrip = try a.withUnsafeBytes { try GzipDecoder.decompress($0) }
        #expect(roundTrip == (try first.process(input, sourceName: "seed.txt").jsonl))
    }

    @Test func jsonStringsAreValidForAnyBytes() throws {
        var writer = JSONWriter()
        let nasty: [UInt8] = Array("tab\tquote\"back\\slash\u{1}nul".utf8) + [0x00, 0xFF, 0xC3] + Array("\u{2028}é😀".utf8)
        writer.beginObject()
        writer.key("s")
        let repaired = nasty.withUnsafeBytes { writer.string($0) }
        writer.endObject()
        #expect(repaired == 2)
        let object = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: String]
        #expect(object?["s"] == "tab\tquote\"back\\slash\u{1}nul\u{0}\u{FFFD}\u{FFFD}\u{2028}é😀")
        #expect(!writer.bytes.contains(0x00))
    }

    /// The shortcut for valid text writes what the general path writes, and that reads back as the input: on a
    /// BBC article, on Arabic JSON Lines (quotes, backslashes, curly quotes) and on every character that needs
    /// escaping or looks like one that does, at every offset around the 16-byte steps and the last 16 bytes.
    @Test func validTextIsWrittenAsTheGeneralPathWritesIt() throws {
        let specials = ["\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "\u{2028}", "\u{2029}", "\u{2027}", "\u{202A}", "’", "é", "😀"]
        var inputs = [try fixture("bbc/tech-001.txt"), try fixture("arabic-8.jsonl")]
        for special in specials {
            for offset in 0..<40 {
                inputs.append(Array(String(repeating: "a", count: offset).utf8) + Array(special.utf8) + Array("tail".utf8))
                inputs.append(Array(String(repeating: "b", count: offset).utf8) + Array(special.utf8))
            }
        }
        for input in inputs {
            var general = JSONWriter()
            var shortcut = JSONWriter()
            input.withUnsafeBytes {
                _ = general.string($0)
                shortcut.string(validUTF8: $0)
            }
            let same = shortcut.bytes == general.bytes
            #expect(same, "differs on: \(String(decoding: input.prefix(60), as: UTF8.self))")
            // And both are right: JSON that reads back as the input.
            let decoded = try JSONSerialization.jsonObject(with: Data(general.bytes), options: .fragmentsAllowed) as? String
            #expect(decoded == String(decoding: input, as: UTF8.self))
        }
    }

    @Test func numbersAreWrittenWithoutLocaleOrExponent() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.fixed(5.4751, decimals: 3)
        writer.fixed(2.0, decimals: 3)
        writer.fixed(0.0004, decimals: 3)
        // Leading zeros of the fraction kept, trailing ones dropped, the sign only on a non-zero value.
        writer.fixed(0.05, decimals: 4)
        writer.fixed(-1.0001)
        writer.fixed(-0.00001)
        writer.fixed(12.34)
        writer.int(-42)
        writer.int(1_234_567_890)
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "[5.475,2,0,0.05,-1.0001,0,12.34,-42,1234567890]")
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func sha256MatchesTheFIPSVectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test func sha256OfAMillionAs() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hexString(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
