// Coverage-guided fuzz targets for WinnowCore, built by fuzz/run.sh with libFuzzer and AddressSanitizer.
// The first byte of an input chooses the target; the rest is the data. WINNOW_FUZZ_TARGET=<name> pins one
// target whatever the first byte is (fuzz/run.sh runs each target on its own that way). Every target checks
// invariants and traps (a finding) when one breaks.

#if canImport(Glibc)
import Glibc
#endif

/// The targets, in selector order (first byte modulo their count).
let targets: [(name: String, run: ([UInt8]) -> Void)] = [
    ("pipeline", fuzzPipeline),
    ("gzip", fuzzGzip),
    ("jsonl", fuzzJSONLine),
    ("cleaner", fuzzCleaner),
    ("tokenizer", fuzzTokenizer),
    ("sentences", fuzzSentences),
    ("detect", fuzzDetect),
    ("warc", fuzzWARC),
    ("utf8", fuzzUTF8),
    ("zstd", fuzzZstd),
]

let pinnedTarget: Int? = {
    guard let name = getenv("WINNOW_FUZZ_TARGET").map({ String(cString: $0) }), !name.isEmpty else { return nil }
    guard let index = targets.firstIndex(where: { $0.name == name }) else {
        fatalError("WINNOW_FUZZ_TARGET=\(name): not one of \(targets.map(\.name).joined(separator: ", "))")
    }
    return index
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let selector = Int(start.load(as: UInt8.self))
    let data = Array(UnsafeRawBufferPointer(start: start + 1, count: count - 1))
    targets[pinnedTarget ?? selector % targets.count].run(data)
    return 0
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant broken: \(message())") }
}

/// Any bytes through the whole pipeline, in memory and streamed in small chunks: either an InputError or
/// records that parse back as JSON objects, the same records both ways. (Streamed, a gzip stream cut short is
/// read up to the cut, where the in-memory path refuses it.)
func fuzzPipeline(_ data: [UInt8]) {
    var configuration = PipelineConfiguration()
    configuration.limits.maxArticleBytes = 4096
    configuration.limits.maxLineBytes = 2048
    configuration.limits.inflate = InflateLimits(maxOutputBytes: 1 << 20, maxExpansionRatio: 1000, ratioGrace: 1 << 16)
    let parser = JSONLineParser()
    func checkRecords(_ jsonl: [UInt8]) {
        for line in jsonl.split(separator: 0x0A) {
            let ok = line.withUnsafeBytes { (try? parser.parseObject($0)) != nil }
            check(ok, "a record is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
    }
    var pipeline = Pipeline(configuration: configuration)
    let whole = try? pipeline.process(data, sourceName: "fuzz").jsonl
    if let whole { checkRecords(whole) }
    var source = MemorySource(data)
    var streamed: [UInt8] = []
    var streaming = StreamingPipeline(configuration: configuration, chunkBytes: 64 * 1024)
    streaming.compressOutput = false
    guard (try? streaming.run(&source, sourceName: "fuzz", sha256: SHA256.hex(data)) { streamed += $0 }) != nil else { return }
    checkRecords(streamed)
    if let whole {
        check(streamed.split(separator: 0x0A).count == whole.split(separator: 0x0A).count, "streamed and whole record counts differ")
    }
}

/// Arbitrary bytes as gzip: an error or output within the limit; what inflates compresses back to itself.
func fuzzGzip(_ data: [UInt8]) {
    var input = data
    if input.count >= 2 { input[0] = 0x1f; input[1] = 0x8b }
    let limits = InflateLimits(maxOutputBytes: 1 << 20, maxExpansionRatio: 1000, ratioGrace: 1 << 16)
    guard let inflated = try? input.withUnsafeBytes({ try GzipDecoder.decompress($0, limits: limits) }) else { return }
    check(inflated.count <= 1 << 20, "inflated past the limit")
    let again = try? GzipEncoder.compress(inflated, level: 1)
    let back = again.flatMap { bytes in try? bytes.withUnsafeBytes { try GzipDecoder.decompress($0) } }
    check(back == inflated, "gzip round trip differs")
}

/// Arbitrary bytes as zstd: an error or output within the limit; what decompresses compresses back to itself.
func fuzzZstd(_ data: [UInt8]) {
    var input = data
    if input.count >= 4 { input.replaceSubrange(0..<4, with: [0x28, 0xB5, 0x2F, 0xFD]) }
    let limits = InflateLimits(maxOutputBytes: 1 << 20, maxExpansionRatio: 1000, ratioGrace: 1 << 16)
    guard let decompressed = try? input.withUnsafeBytes({ try ZstdDecoder.decompress($0, limits: limits) }) else { return }
    check(decompressed.count <= 1 << 20, "decompressed past the limit")
    let again = try? OutputCodec(.zstd, level: 1).compress(decompressed)
    let back = again.flatMap { bytes in try? bytes.withUnsafeBytes { try ZstdDecoder.decompress($0) } }
    check(back == decompressed, "zstd round trip differs")
}

/// One JSON line: parsed or a syntax error with an offset inside the line; never a crash, however deep.
func fuzzJSONLine(_ data: [UInt8]) {
    let parser = JSONLineParser(maxDepth: 16)
    data.withUnsafeBytes { line in
        do throws(JSONSyntaxError) {
            _ = try parser.parseObject(line)
        } catch {
            check(error.offset >= 0 && error.offset <= line.count, "error offset \(error.offset) outside the line")
        }
    }
}

/// The cleaner: removals inside the body, in order, not overlapping; the text valid UTF-8, and the same when
/// a valid body is copied unchecked.
func fuzzCleaner(_ data: [UInt8]) {
    let title = Array(data.prefix(40))
    let cleaned = data.withUnsafeBytes { body in title.withUnsafeBytes { Cleaner().clean(body: body, title: $0) } }
    if data.withUnsafeBytes({ UTF8Bytes.invalidByteCount($0) }) == 0 {
        let copied = data.withUnsafeBytes { body in
            title.withUnsafeBytes { Cleaner().clean(body: body, title: $0, bodyIsValidUTF8: true) }
        }
        check(copied.text == cleaned.text, "a valid body copied unchecked gives another text")
    }
    var end = 0
    for removal in cleaned.removed {
        check(removal.bodyOffset >= end && removal.bodyOffset + removal.length <= data.count, "removal out of order or bounds")
        end = removal.bodyOffset + removal.length
    }
    check(cleaned.text.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) } == 0, "cleaned text is not valid UTF-8")
}

/// Tokens in order, without overlap, inside the input; UAX #29 segments cover every byte exactly once.
func fuzzTokenizer(_ data: [UInt8]) {
    data.withUnsafeBytes { text in
        for mode in [Tokenizer.Mode.analysis, .uax29] {
            var tokens: [Token] = []
            Tokenizer(mode: mode).tokenize(text, into: &tokens)
            var end = 0
            for token in tokens {
                check(token.offset >= end && token.length > 0 && token.end <= text.count, "token \(token) out of order or bounds")
                end = token.end
            }
            var full: [Token] = []
            var slow = Tokenizer(mode: mode)
            slow.usesASCIIFastPath = false
            slow.tokenize(text, into: &full)
            check(full == tokens, "the ASCII fast path and the full scanner disagree (\(mode))")
        }
        var covered = 0
        WordSegmenter().forEachSegment(text) { start, end, _ in
            check(start == covered && end > start, "segments do not tile the input")
            covered = end
        }
        check(covered == text.count, "segments stop at \(covered) of \(text.count)")
    }
}

/// Sentences tile the input (UAX #29) and the analysis splitter's ranges are in order inside it.
func fuzzSentences(_ data: [UInt8]) {
    data.withUnsafeBytes { text in
        var covered = 0
        SentenceSegmenter().forEachSentence(text) { start, end in
            check(start == covered && end > start, "sentences do not tile the input")
            covered = end
        }
        check(covered == text.count, "sentences stop at \(covered) of \(text.count)")
        var ranges: [Range<Int>] = []
        SentenceSplitter().split(text, into: &ranges)
        var end = 0
        for range in ranges {
            check(range.lowerBound >= end && range.upperBound <= text.count && !range.isEmpty, "sentence range out of order")
            end = range.upperBound
        }
    }
}

/// The format detector and readers on any bytes: an InputError, or articles whose spans lie inside the input
/// in order, and issues whose offsets do too.
func fuzzDetect(_ data: [UInt8]) {
    var limits = ReaderLimits()
    limits.maxArticleBytes = 4096
    limits.maxLineBytes = 2048
    let reader = DumpReader(limits: limits)
    data.withUnsafeBytes { bytes in
        guard let contents = try? reader.readDecompressed(bytes) else { return }
        check(contents.decompressedBytes == bytes.count, "decompressed size \(contents.decompressedBytes) of \(bytes.count)")
        var end = 0
        for article in contents.articles {
            let start = article.absoluteOffset ?? article.offset
            check(start >= end && start + article.length <= bytes.count, "article span out of order or bounds")
            check(article.body.count <= limits.maxArticleBytes + 4, "article body past the size limit")
            let valid = article.body.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) } == 0
            check(!article.bodyIsValidUTF8 || valid, "body marked valid UTF-8 and is not")
            if let bodyOffset = article.bodyOffset {
                check(bodyOffset >= 0 && bodyOffset + article.body.count <= bytes.count, "body offset outside the input")
            }
            end = start + article.length
        }
    }
}

/// Web archive records: the data after a valid first header. Never a crash; articles inside the input.
func fuzzWARC(_ data: [UInt8]) {
    let header = Array("WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: \(min(data.count, 64))\r\n\r\n".utf8)
    fuzzDetect(header + data)
}

/// The UTF-8 helpers against the standard library's decoding (one U+FFFD per maximal invalid subpart), on any
/// bytes: the repaired copy, the count of invalid bytes, the count of scalars.
func fuzzUTF8(_ data: [UInt8]) {
    let decoded = String(decoding: data, as: UTF8.self)
    var repaired: [UInt8] = []
    let replaced = data.withUnsafeBytes { UTF8Bytes.appendRepairing($0, to: &repaired) }
    check(repaired == Array(decoded.utf8), "repair differs from the standard library's")
    check(data.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) } == replaced, "invalid count differs from the repair's")
    check(data.withUnsafeBytes { UTF8Bytes.scalarCount($0) } == decoded.unicodeScalars.count, "scalar count differs")
}
