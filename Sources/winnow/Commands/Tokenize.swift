import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import WinnowCore
import WinnowDaemon

/// Reads a file argument, or standard input for "-" or none.
func readInput(_ path: String?) throws -> [UInt8] {
    if let path, path != "-" { return try FileSystem.readFile(path) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return bytes
}

/// Buffers output and writes it in large blocks.
struct OutputBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 17) }

    mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    mutating func append(_ slice: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: slice)
        flushIfFull()
    }

    mutating func flushIfFull() {
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        writeAll(1, bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the tokens of a text: byte offset, byte length, kind, text (TSV), or JSON Lines.",
        discussion: """
            Kinds: word, number, alphanum, punct, symbol, emoji, ideograph, and in the default analysis mode url, \
            email, hashtag, mention, ticker. --uax29 prints the plain UAX #29 word segments instead (every \
            segment that is not only white space, nothing merged), to compare with ICU. Offsets are in bytes of \
            the input; invalid UTF-8 is printed as U+FFFD.
            """
    )

    @Argument(help: "A UTF-8 text file, or - (the default) for standard input.")
    var file: String?

    @Flag(help: "One JSON object per token: offset, length, kind, text.")
    var jsonl = false

    @Flag(help: "Plain UAX #29 word segments, without merging URLs, e-mail addresses, hashtags, mentions, tickers.")
    var uax29 = false

    func run() throws {
        let bytes = try readInput(file)
        guard bytes.count <= Token.maxOffset else { throw ValidationError("the input is over 4 GiB: split it first") }
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 4)
        bytes.withUnsafeBytes { Tokenizer(mode: uax29 ? .uax29 : .analysis).tokenize($0, into: &tokens) }
        var out = OutputBuffer()
        bytes.withUnsafeBytes { text in
            for token in tokens {
                let slice = UnsafeRawBufferPointer(rebasing: text[token.range])
                if jsonl {
                    var json = JSONWriter(capacity: 64 + token.length)
                    json.beginObject()
                    json.key("offset")
                    json.int(token.offset)
                    json.key("length")
                    json.int(token.length)
                    json.key("kind")
                    json.string(token.kind.description)
                    json.key("text")
                    json.string(slice)
                    json.endObject()
                    json.bytes.append(0x0A)
                    json.bytes.withUnsafeBytes { out.append($0) }
                } else {
                    out.append("\(token.offset)\t\(token.length)\t\(token.kind)\t")
                    var clean: [UInt8] = []
                    UTF8Bytes.appendRepairing(slice, to: &clean)
                    // Keep one token per line: tabs and line breaks inside a token are shown escaped.
                    for b in clean {
                        switch b {
                        case 0x09: out.bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                        case 0x0A: out.bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                        case 0x0D: out.bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                        default: out.bytes.append(b)
                        }
                    }
                    out.bytes.append(0x0A)
                    out.flushIfFull()
                }
            }
        }
        out.flush()
    }
}

struct Sentences: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the sentences of a text, one per line (line breaks inside a sentence become spaces).",
        discussion: """
            Sentence boundaries follow UAX #29, with an abbreviation layer for English news (Mr., U.S., Jan., \
            initials, No. 5) that --uax29 turns off. --jsonl prints offset, length and text per sentence.
            """
    )

    @Argument(help: "A UTF-8 text file, or - (the default) for standard input.")
    var file: String?

    @Flag(help: "One JSON object per sentence: offset, length, text.")
    var jsonl = false

    @Flag(help: "Pure UAX #29 boundaries, without the abbreviation layer.")
    var uax29 = false

    func run() throws {
        let bytes = try readInput(file)
        var sentences: [Range<Int>] = []
        bytes.withUnsafeBytes { SentenceSplitter(abbreviations: !uax29).split($0, into: &sentences) }
        var out = OutputBuffer()
        bytes.withUnsafeBytes { text in
            for range in sentences {
                let slice = UnsafeRawBufferPointer(rebasing: text[range])
                var json = JSONWriter(capacity: 64 + range.count)
                if jsonl {
                    json.beginObject()
                    json.key("offset")
                    json.int(range.lowerBound)
                    json.key("length")
                    json.int(range.count)
                    json.key("text")
                    json.string(slice)
                    json.endObject()
                } else {
                    UTF8Bytes.appendRepairing(slice, to: &json.bytes)
                    for i in json.bytes.indices where json.bytes[i] == 0x0A || json.bytes[i] == 0x0D { json.bytes[i] = 0x20 }
                }
                json.bytes.append(0x0A)
                json.bytes.withUnsafeBytes { out.append($0) }
            }
        }
        out.flush()
    }
}
