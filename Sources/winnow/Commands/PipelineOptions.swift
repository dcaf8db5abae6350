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

    @Option(name: .customLong("language-field"), help: "JSON fields stating the article's language, kept as meta.language (comma-separated).")
    var languageFields: String?

    @Option(name: .customLong("rules"), help: "A file of extra boilerplate rules (same format as the built-in ones).")
    var rulesFile: String?

    @Option(help: "Most top terms listed per record (default 10).")
    var topTerms: Int?

    @Flag(help: "Do not identify each article's language (no language field; stopword lists pooled).")
    var noLangid = false

    @Option(help: "What to do with an article that repeats an earlier one: mark (a duplicate field), drop, or off (not looked up) (default mark).")
    var duplicates: String?

    @Option(help: "Estimated similarity of word 5-grams from which an article repeats an earlier one (default \(DuplicateIndex.Configuration().threshold)).")
    var duplicateThreshold: Double?

    @Option(help: "Keep only articles in these languages (ISO 639-1 codes, comma-separated; und for undetermined); the others are counted, not written.")
    var languages: String?

    @Option(help: "Largest article body in bytes; longer ones are cut and flagged (default 16 MiB).")
    var maxArticleBytes: Int?

    @Option(help: "Longest JSON line in bytes; longer lines are reported and skipped (default 64 MiB).")
    var maxLineBytes: Int?

    @Option(help: "Most bytes one gzip input may inflate to (default 8 GiB).")
    var maxDecompressedBytes: Int?

    @Option(help: "Most seconds one input may take before it is abandoned as too slow (default: none; watch: 600).")
    var maxSecondsPerFile: Double?

    /// The near-duplicate index's settings from the options.
    var duplicateIndexConfiguration: DuplicateIndex.Configuration {
        var configuration = DuplicateIndex.Configuration()
        if let duplicateThreshold { configuration.threshold = duplicateThreshold }
        return configuration
    }

    func validate() throws {
        if let duplicateThreshold, !(0.5...1).contains(duplicateThreshold) {
            throw ValidationError("--duplicate-threshold must be between 0.5 and 1")
        }
    }

    /// The pipeline configuration: `base` with every option that was given applied on top.
    func makeConfiguration(base: PipelineConfiguration = PipelineConfiguration()) throws -> PipelineConfiguration {
        var configuration = base
        func list(_ value: String?) -> [String]? {
            value.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: " ").lowercased() } }
        }
        if let fields = list(titleFields) { configuration.fields.title = fields }
        if let fields = list(textFields) { configuration.fields.text = fields }
        if let fields = list(urlFields) { configuration.fields.url = fields }
        if let fields = list(dateFields) { configuration.fields.date = fields }
        if let fields = list(authorFields) { configuration.fields.author = fields }
        if let fields = list(languageFields) { configuration.fields.language = fields }
        if let rulesFile {
            let bytes = try FileSystem.readFile(rulesFile)
            try configuration.rules.add(parsing: String(decoding: bytes, as: UTF8.self))
        }
        if let topTerms { configuration.topTerms = topTerms }
        if noLangid { configuration.identifyLanguage = false }
        if let languages { configuration.languages = try PipelineConfiguration.parseLanguages(languages) }
        if let duplicates {
            guard duplicates == "off" || DuplicatePolicy(rawValue: duplicates) != nil else {
                throw ValidationError("--duplicates: '\(duplicates)' is not mark, drop or off")
            }
            configuration.duplicates = DuplicatePolicy(rawValue: duplicates)
        }
        if configuration.languages != nil && !configuration.identifyLanguage {
            throw ValidationError("--languages needs language identification: drop --no-langid")
        }
        if let maxArticleBytes { configuration.limits.maxArticleBytes = maxArticleBytes }
        if let maxLineBytes { configuration.limits.maxLineBytes = maxLineBytes }
        if let maxDecompressedBytes { configuration.limits.inflate.maxOutputBytes = maxDecompressedBytes }
        if let maxSecondsPerFile { configuration.maxSecondsPerFile = maxSecondsPerFile }
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
