import ArgumentParser
import WinnowCore
import WinnowDaemon

#if canImport(Glibc)
import Glibc
#endif

struct Langid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langid",
        abstract: "Identify the language of a text, or of each of its lines.",
        discussion: """
            Prints the ISO 639-1 code and the confidence (0 to 1), tab-separated: one line for the whole input, \
            or with --lines one per input line, like fastText's predict. und means the text is too short (fewer \
            than three letters) or too mixed to say. --jsonl adds the runner-up when it is close and the script. \
            Invalid UTF-8 counts as U+FFFD, which is not a letter.
            """
    )

    @Argument(help: "A UTF-8 text file, or - (the default) for standard input.")
    var file: String?

    @Flag(help: "One answer per line of the input.")
    var lines = false

    @Flag(help: "One JSON object per answer: code, confidence, runner_up when close, script.")
    var jsonl = false

    @Flag(help: "List the languages the model knows, by script, and exit.")
    var listLanguages = false

    func run() throws {
        var identifier = LanguageIdentifier()
        if listLanguages {
            for (script, codes) in identifier.model.languagesByScript {
                print("\(script)\t\(codes.joined(separator: " "))")
            }
            return
        }
        var out = OutputBuffer()
        func answer(_ text: UnsafeRawBufferPointer) {
            let guess = identifier.identify(text)
            if jsonl {
                var json = JSONWriter(capacity: 128)
                Pipeline.writeLanguage(guess, script: true, into: &json)
                json.bytes.append(0x0A)
                json.bytes.withUnsafeBytes { out.append($0) }
            } else {
                out.append("\(guess.code)\t\(formatFixed(guess.confidence, decimals: 3))\n")
            }
        }
        if lines {
            try forEachLine(of: file) { answer($0) }
        } else {
            let bytes = try readInput(file)
            bytes.withUnsafeBytes { answer($0) }
        }
        out.flush()
    }
}

/// Calls `body` with each line of a file or of standard input, without its line end, reading in blocks (a line
/// is held whole, the input is not).
func forEachLine(of path: String?, _ body: (UnsafeRawBufferPointer) -> Void) throws {
    let fd: Int32
    if let path, path != "-" {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path: path) }
    } else {
        fd = 0
    }
    defer { if fd != 0 { close(fd) } }
    var pending: [UInt8] = []
    var block = [UInt8](repeating: 0, count: 1 << 16)
    func emit(_ line: ArraySlice<UInt8>) {
        var line = line
        if line.last == 0x0D { line = line.dropLast() }
        line.withUnsafeBytes { body($0) }
    }
    while true {
        let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FileError("read", path: path ?? "standard input")
        }
        if n == 0 { break }
        pending.append(contentsOf: block[0..<n])
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            emit(pending[start..<newline])
            start = newline + 1
        }
        pending.removeFirst(start)
    }
    if !pending.isEmpty { emit(pending[...]) }
}

/// A fixed-point rendering with `decimals` digits, as the JSON writer makes it.
func formatFixed(_ value: Double, decimals: Int) -> String {
    var json = JSONWriter(capacity: 32)
    json.fixed(value, decimals: decimals)
    return String(decoding: json.bytes, as: UTF8.self)
}
