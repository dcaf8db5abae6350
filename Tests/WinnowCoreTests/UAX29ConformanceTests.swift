import Foundation
import Testing
import WinnowCore

/// The Unicode 15.0 conformance files for UAX #29, from ../shared/corpus/unicode (or the unicode-data package).
enum ConformanceFile {
    static func lines(_ name: String) throws -> [String] {
        let here = URL(fileURLWithPath: #filePath)
        let candidates = [
            here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared/corpus/unicode/" + name),
            URL(fileURLWithPath: "/usr/share/unicode/auxiliary/" + name),
        ]
        let url = try #require(
            candidates.first { FileManager.default.fileExists(atPath: $0.path) },
            "\(name) not found in ../shared/corpus/unicode or /usr/share/unicode/auxiliary (apt-get install unicode-data)"
        )
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// One test case: the text as UTF-8, and the byte offsets where segments end.
    struct Case: Sendable, CustomTestStringConvertible {
        var line: Int
        var source: String
        var utf8: [UInt8]
        var boundaries: [Int]
        var testDescription: String { "line \(line): \(source)" }
    }

    static func cases(_ name: String) throws -> [Case] {
        var result: [Case] = []
        for (index, line) in try lines(name).enumerated() {
            let rule = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let parts = rule.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.first == "÷" else { continue }
            var utf8: [UInt8] = []
            var boundaries: [Int] = []
            for part in parts.dropFirst() {
                if part == "÷" {
                    boundaries.append(utf8.count)
                } else if part != "×", let value = UInt32(part, radix: 16), let scalar = Unicode.Scalar(value) {
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            }
            result.append(Case(line: index + 1, source: String(rule), utf8: utf8, boundaries: boundaries))
        }
        return result
    }
}

@Suite struct UAX29ConformanceTests {
    static let wordCases = (try? ConformanceFile.cases("WordBreakTest.txt")) ?? []
    static let sentenceCases = (try? ConformanceFile.cases("SentenceBreakTest.txt")) ?? []

    @Test func theConformanceFilesAreComplete() {
        #expect(Self.wordCases.count == 1823)
        #expect(Self.sentenceCases.count == 502)
    }

    @Test(arguments: wordCases)
    func wordBoundaries(_ test: ConformanceFile.Case) {
        var ends: [Int] = []
        test.utf8.withUnsafeBytes { WordSegmenter().forEachSegment($0) { _, end, _ in ends.append(end) } }
        #expect(ends == test.boundaries)
    }

    @Test(arguments: sentenceCases)
    func sentenceBoundaries(_ test: ConformanceFile.Case) {
        var ends: [Int] = []
        test.utf8.withUnsafeBytes { SentenceSegmenter().forEachSentence($0) { _, end in ends.append(end) } }
        #expect(ends == test.boundaries)
    }
}
