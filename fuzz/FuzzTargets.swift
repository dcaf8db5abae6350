// Coverage-guided fuzz targets for WinnowCore, built by fuzz/run.sh with libFuzzer and AddressSanitizer.
// The first byte of an input chooses the target; the rest is the data. Every target checks invariants and
// traps (a finding) when one breaks.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let selector = start.load(as: UInt8.self)
    let data = Array(UnsafeRawBufferPointer(start: start + 1, count: count - 1))
    switch selector % 6 {
    case 0: fuzzPipeline(data)
    case 1: fuzzGzip(data)
    case 2: fuzzJSONLine(data)
    case 3: fuzzCleaner(data)
    case 4: fuzzTokenizer(data)
    default: fuzzSentences(data)
    }
    return 0
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant broken: \(message())") }
}

/// Any bytes through the whole pipeline, in memory and streamed in small chunks: either an InputError or
/// records that parse back as JSON objects, the same records both ways.
func fuzzPipeline(_ data: [UInt8]) {
    var configuration = PipelineConfiguration()
    configuration.limits.maxArticleBytes = 4096
    configuration.limits.maxLineBytes = 2048
    configuration.limits.inflate = InflateLimits(maxOutputBytes: 1 << 20, maxExpansionRatio: 1000, ratioGrace: 1 << 16)
    var pipeline = Pipeline(configuration: configuration)
    let whole: [UInt8]
    do {
        whole = try pipeline.process(data, sourceName: "fuzz").jsonl
    } catch {
        return
    }
    let parser = JSONLineParser()
    for line in whole.split(separator: 0x0A) {
        let ok = line.withUnsafeBytes { (try? parser.parseObject($0)) != nil }
        check(ok, "a record is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
    }
    var source = MemorySource(data)
    var streamed: [UInt8] = []
    var streaming = StreamingPipeline(configuration: configuration, chunkBytes: 64 * 1024)
    streaming.compressOutput = false
    if (try? streaming.run(&source, sourceName: "fuzz", sha256: SHA256.hex(data)) { streamed += $0 }) != nil {
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

/// The cleaner: removals inside the body, in order, not overlapping; the text valid UTF-8.
func fuzzCleaner(_ data: [UInt8]) {
    let title = Array(data.prefix(40))
    let cleaned = data.withUnsafeBytes { body in title.withUnsafeBytes { Cleaner().clean(body: body, title: $0) } }
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
