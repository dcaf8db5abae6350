import ArgumentParser
import WinnowCore
import WinnowDaemon

#if canImport(Glibc)
import Glibc
#endif

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how the cleaner reads a file: every line, kept or removed, and the rule that removed it.",
        discussion: """
            Each line of each article is printed after a margin: the title is marked T, a kept line has an \
            empty margin, a removed line shows '-' and its rule, a line moved into meta shows '>' and its rule, and a comment's line moved into the record's comments 'c'. \
            On a terminal removed lines are dimmed and rules coloured (--color always|never|auto).
            """
    )

    @Argument(help: "A plain-text or JSON Lines file (gzip or not).")
    var file: String

    @Option(help: "Colour: auto (on a terminal), always or never.")
    var color: String = "auto"

    @Option(help: "Explain only the article with this index (JSON Lines).")
    var article: Int?

    @Option(help: ArgumentHelp(
        "Clean as winnow process does in a run over this folder's files: lines that recur across its plain-text files are removed (repeated-line).",
        valueName: "folder"
    ))
    var memoryFrom: String?

    @Option(help: "With --memory-from: a line in at least this many distinct files is boilerplate.")
    var memoryThreshold = 3

    @OptionGroup var pipelineOptions: PipelineOptions

    func run() throws {
        let configuration = try pipelineOptions.makeConfiguration()
        let stored = try FileSystem.readFile(file)
        let decoded = try stored.withUnsafeBytes { buffer in
            try Result { () throws(InputError) in try DecodedInput.decode(buffer, limits: configuration.limits.inflate) }.get()
        }
        let bytes = decoded.bytes ?? stored
        let reader = DumpReader(fields: configuration.fields, limits: configuration.limits)
        let contents = try bytes.withUnsafeBytes { buffer in
            try Result { () throws(InputError) in try reader.readDecompressed(buffer) }.get()
        }
        let colour = color == "always" || (color == "auto" && isatty(1) != 0)
        var cleaner = Cleaner(rules: configuration.rules)
        if let folder = memoryFrom {
            cleaner.memory = Process.lineMemory(try Job.all(under: folder), threshold: memoryThreshold)
        }
        // Every line is marked, however many spans a page has.
        cleaner.maxListedRemovals = .max
        var out = OutputBuffer()
        for raw in contents.articles where article == nil || raw.index == article {
            let cleaned = raw.body.withUnsafeBytes { body in
                raw.title.withUnsafeBytes { cleaner.clean(body: body, title: $0, baseOffset: raw.bodyOffset ?? 0) }
            }
            // Removals are spans in order (a run of lines removed by one rule is one span): each line is inside
            // the next span or before it.
            let spans = cleaned.removed
            var next = 0
            if contents.articles.count > 1 { out.append(paint("# article \(raw.index)\(raw.line.map { ", line \($0)" } ?? "")\n", "1", colour)) }
            out.append(paint("T \(String(decoding: raw.title, as: UTF8.self))\n", "1", colour))
            var start = 0
            var kept = 0
            var removed = 0
            raw.body.withUnsafeBytes { body in
                while start <= body.count {
                    var end = start
                    while end < body.count && body[end] != 0x0A { end += 1 }
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: body[start..<end]), as: UTF8.self)
                        .replacing("\r", with: "")
                    while next < spans.count && spans[next].bodyOffset + spans[next].length <= start { next += 1 }
                    let blank = text.allSatisfy { $0 == " " || $0 == "\t" }
                    if next < spans.count, spans[next].bodyOffset <= start, !blank {
                        let removal = spans[next]
                        removed += 1
                        let mark = removal.disposition == .meta ? ">" : (removal.disposition == .comments ? "c" : "-")
                        let label = "\(mark) \(removal.rule)".padding(24)
                        let ruleColour = removal.disposition == .dropped ? "31" : "36"
                        out.append(paint(label, ruleColour, colour) + paint(text, "2", colour) + "\n")
                    } else if !blank {
                        kept += 1
                        out.append(String(repeating: " ", count: 24) + text + "\n")
                    } else {
                        out.append("\n")
                    }
                    if end >= body.count { break }
                    start = end + 1
                }
            }
            let comments = cleaned.commentCount > 0 ? "; \(cleaned.commentCount) comments (\(cleaned.comments.count) bytes) moved out" : ""
            out.append(paint("# \(kept) lines kept, \(removed) removed or moved\(comments)\n\n", "1", colour))
        }
        out.flush()
    }

    private func paint(_ text: String, _ code: String, _ enabled: Bool) -> String {
        enabled ? "\u{1B}[\(code)m" + text + "\u{1B}[0m" : text
    }
}
