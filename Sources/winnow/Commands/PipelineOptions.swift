import ArgumentParser
import WinnowCore
import WinnowDaemon

/// Options shared by every command that runs the pipeline.
struct PipelineOptions: ParsableArguments {
    @Option(name: .customLong("title-field"), help: "JSON fields holding the title, in order of preference (comma-separated).")
    var titleFields: String?

    @Option(name: .customLong("text-field"), help: "JSON fields holding the body text (comma-separated).")
    var textFields: String?

    @Option(name: .customLong("url-field"), help: "JSON fields holding the URL (comma-separated).")
    var urlFields: String?

    @Option(name: .customLong("date-field"), help: "JSON fields holding the date (comma-separated).")
    var dateFields: String?

    @Option(name: .customLong("author-field"), help: "JSON fields holding the author (comma-separated).")
    var authorFields: String?

    @Option(name: .customLong("rules"), help: "A file of extra boilerplate rules (same format as the built-in ones).")
    var rulesFile: String?

    @Option(help: "Most top terms listed per record.")
    var topTerms: Int = 10

    @Option(help: "Largest article body in bytes; longer ones are cut and flagged.")
    var maxArticleBytes: Int = 16 << 20

    @Option(help: "Longest JSON line in bytes; longer lines are reported and skipped.")
    var maxLineBytes: Int = 64 << 20

    @Option(help: "Most bytes one gzip input may inflate to.")
    var maxDecompressedBytes: Int = 8 << 30

    func makeConfiguration() throws -> PipelineConfiguration {
        var configuration = PipelineConfiguration()
        func list(_ value: String?) -> [String]? {
            value.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: " ").lowercased() } }
        }
        if let fields = list(titleFields) { configuration.fields.title = fields }
        if let fields = list(textFields) { configuration.fields.text = fields }
        if let fields = list(urlFields) { configuration.fields.url = fields }
        if let fields = list(dateFields) { configuration.fields.date = fields }
        if let fields = list(authorFields) { configuration.fields.author = fields }
        if let rulesFile {
            let bytes = try FileSystem.readFile(rulesFile)
            try configuration.rules.add(parsing: String(decoding: bytes, as: UTF8.self))
        }
        configuration.topTerms = topTerms
        configuration.limits.maxArticleBytes = maxArticleBytes
        configuration.limits.maxLineBytes = maxLineBytes
        configuration.limits.inflate.maxOutputBytes = maxDecompressedBytes
        return configuration
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let trim = Set(set)
        var s = Substring(self)
        while let c = s.first, trim.contains(c) { s = s.dropFirst() }
        while let c = s.last, trim.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
