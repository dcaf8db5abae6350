#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How an input is turned into records.
public struct PipelineConfiguration: Sendable {
    public var fields = FieldMapping()
    public var limits = ReaderLimits()
    public var rules = RuleSet.standard
    /// How many top terms each record lists.
    public var topTerms = 10
    /// Whether each record says its language (`LanguageIdentifier`), and the cleaner and top terms use that
    /// language's stopwords. Off: no `language` field, all curated stopword lists pooled.
    public var identifyLanguage = true
    /// Keep only articles in these languages (ISO 639-1 codes, `und` for undetermined ones); the others are
    /// counted, not written. Nil: every language.
    public var languages: Set<String>?
    /// What to do with an article that repeats an earlier one (found through a `DuplicateSession`); nil: no
    /// article-level deduplication.
    public var duplicates: DuplicatePolicy? = .mark
    /// Cross-document line memory for the cleaner (built by the caller over a batch).
    public var memory: LineMemory?
    /// The most seconds one input may take; checked between articles and chunks (every stage is linear in
    /// its input, so the checks come often). Nil: no budget.
    public var maxSecondsPerFile: Double?

    public init() {}
}

extension PipelineConfiguration {
    /// Why a list of languages was refused.
    public struct LanguageListError: Error, CustomStringConvertible, Sendable {
        public var code: String
        public var description: String {
            "'\(code)' is not a language the model knows; `winnow langid --list-languages` lists them (und: undetermined)"
        }
    }

    /// Parses `en,de,und`: ISO 639-1 codes the built-in model knows, or `und`.
    public static func parseLanguages(_ list: String) throws(LanguageListError) -> Set<String> {
        let known = Set(LanguageModel.standard.codes + [LanguageGuess.undetermined])
        var codes = Set<String>()
        for part in list.split(separator: ",") {
            let code = part.filter { !$0.isWhitespace }.lowercased()
            guard !code.isEmpty else { continue }
            guard known.contains(code) else { throw LanguageListError(code: code) }
            codes.insert(code)
        }
        return codes
    }
}

/// What becomes of an article that repeats an earlier one.
public enum DuplicatePolicy: String, Sendable, CaseIterable {
    /// Written, with `"duplicate": {"of": …, "similarity": …, "kind": …}`.
    case mark
    /// Left out of the output, and counted.
    case drop
}

/// Where a record lies in a chunk's JSON Lines, and what near-duplicate detection needs of it.
struct RecordSlot {
    /// The record's first byte, and the byte after its line end.
    var start: Int
    var end: Int
    /// Where a `"duplicate"` member goes (after the text, or the language when there is one).
    var hole: Int
    var id: RecordID
    /// The record's language, for the counts (nil when language identification is off).
    var language: String?
    /// Nil for a text without words.
    var signature: DuplicateSignature?
    /// The signature's band keys, when they were made early (`DuplicateIndex.prefetchedKeys`).
    var keys: BandKeys?
    var match: DuplicateMatch?
}

/// What became of the articles of an input (or of a chunk of it).
public struct ArticleTally: Sendable, Equatable {
    /// Records written.
    public var written = 0
    /// Records written, by detected language (empty when language identification is off).
    public var languages = LanguageCounts()
    /// Articles left out because their language was not among those asked for, by language.
    public var otherLanguages = LanguageCounts()
    /// Articles that repeat an earlier one: marked (written), or left out (`DuplicatePolicy.drop`); of both,
    /// the exact copies.
    public var duplicates = 0
    public var droppedDuplicates = 0
    public var exactDuplicates = 0

    public init() {}

    /// Articles left out for their language.
    public var otherLanguageCount: Int { otherLanguages.total }

    public mutating func add(_ other: ArticleTally) {
        written += other.written
        languages.add(other.languages)
        otherLanguages.add(other.otherLanguages)
        duplicates += other.duplicates
        droppedDuplicates += other.droppedDuplicates
        exactDuplicates += other.exactDuplicates
    }
}

/// Articles counted by language code. An input's articles are mostly in one language: the first code counted
/// is held inline and the others in a table, so that counting an input's articles allocates nothing (a table
/// per input cost about 1 % of the pipeline on one-article files). Codes whose count is 0 are absent.
public struct LanguageCounts: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private var firstCode = ""
    private var firstCount = 0
    private var others: [String: Int] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, Int)...) {
        for (code, count) in elements { add(code, count) }
    }

    public var isEmpty: Bool { firstCount == 0 && others.isEmpty }

    /// Articles counted, over all languages.
    public var total: Int { firstCount + others.values.reduce(0, +) }

    /// The count of one language (nil: none).
    public subscript(code: String) -> Int? {
        if firstCount != 0 && code == firstCode { return firstCount }
        return others[code]
    }

    /// The counts as a table.
    public var dictionary: [String: Int] {
        var table = others
        if firstCount != 0 { table[firstCode] = firstCount }
        return table
    }

    /// Adds `count` (which may be negative) to a language's count.
    public mutating func add(_ code: String, _ count: Int = 1) {
        if firstCount != 0 && code == firstCode {
            firstCount += count
        } else if firstCount == 0 && others[code] == nil {
            (firstCode, firstCount) = (code, count)
        } else {
            let sum = others[code, default: 0] + count
            others[code] = sum == 0 ? nil : sum
        }
    }

    public mutating func add(_ other: LanguageCounts) {
        if other.firstCount != 0 { add(other.firstCode, other.firstCount) }
        for (code, count) in other.others { add(code, count) }
    }

    public static func == (a: LanguageCounts, b: LanguageCounts) -> Bool { a.dictionary == b.dictionary }
}

/// The records made from one input, and what was skipped on the way.
public struct ProcessedInput: Sendable {
    /// JSON Lines: one record per article, each ending in a newline.
    public var jsonl: [UInt8]
    public var articles: Int
    public var format: InputFormat
    /// The input's container (gzip, zstd or none).
    public var compression: Compression
    /// SHA-256 of the input file's bytes, as stored.
    public var sha256: String
    public var inputBytes: Int
    public var decompressedBytes: Int
    /// Parts of the input that were skipped (such as malformed lines); the rest was processed.
    public var issues: [ReadIssue]
    /// Records written, by language, and articles left out.
    public var tally = ArticleTally()
}

/// Reads, cleans, tokenizes, analyses and serialises one input. Not thread-safe (it reuses buffers):
/// use one pipeline per thread.
public struct Pipeline: Sendable {
    public let configuration: PipelineConfiguration
    private let reader: DumpReader
    private let cleaner: Cleaner
    private var analyzer: Analyzer
    private var identifier = LanguageIdentifier()
    /// The streaming pipeline `process` runs (made at its first call).
    private var streaming: StreamingPipeline?
    /// The stopwords of the last language looked up (articles of a dump mostly share one).
    private var stopwords: (code: String, list: StopwordList)?

    public init(configuration: PipelineConfiguration = PipelineConfiguration()) {
        self.configuration = configuration
        reader = DumpReader(fields: configuration.fields, limits: configuration.limits)
        cleaner = Cleaner(rules: configuration.rules, memory: configuration.memory)
        analyzer = Analyzer(topTermCount: configuration.topTerms)
    }

    /// Processes one input file held in memory: the streaming pipeline that the daemon and `winnow process` run,
    /// with the bytes as its source and the records uncompressed.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes as stored (gzip or not).
    ///   - sourceName: the name written to `source.file`.
    ///   - duplicates: where repeated articles are looked up (nil: none is).
    /// - Returns: the records as JSON Lines (not compressed).
    /// - Throws: `InputError` if nothing in the file can be used.
    public mutating func process(_ bytes: [UInt8], sourceName: String, duplicates: DuplicateSession? = nil) throws(InputError)
        -> ProcessedInput
    {
        if streaming == nil {
            var fresh = StreamingPipeline(configuration: configuration)
            fresh.compressOutput = false
            streaming = fresh
        }
        var source = MemorySource(bytes)
        let sha256 = SHA256.hex(bytes)
        var jsonl: [UInt8] = []
        jsonl.reserveCapacity(bytes.count + bytes.count / 2 + 1024)
        let outcome: StreamOutcome
        do {
            outcome = try streaming!.run(&source, sourceName: sourceName, sha256: sha256, duplicates: duplicates) {
                jsonl.append(contentsOf: $0)
            }
        } catch let error as InputError {
            throw error
        } catch {
            // Memory cannot fail to read, and uncompressed records cannot fail to compress.
            preconditionFailure("the in-memory pipeline failed outside its input: \(error)")
        }
        return ProcessedInput(
            jsonl: jsonl,
            articles: outcome.articles,
            format: outcome.format,
            compression: outcome.compression,
            sha256: sha256,
            inputBytes: outcome.inputBytes,
            decompressedBytes: outcome.decompressedBytes,
            issues: outcome.issues,
            tally: outcome.tally
        )
    }

    /// What every record of one input says about its source.
    public struct SourceInfo {
        public var file: String
        public var sha256: String
        public var compression = Compression.none
        public var encoding = TextEncoding.utf8
        public var format = InputFormat.text
        /// The decompressed UTF-8 bytes that article offsets refer to (the whole input, or one chunk of it).
        public var input = UnsafeRawBufferPointer(start: nil, count: 0)
        /// Where `input` starts in the whole decompressed input.
        public var baseOffset = 0
        /// Whether `input` is the file exactly as stored (not decompressed, transcoded or a chunk), so that
        /// `sha256` is its hash.
        var inputIsFile = false

        public init(file: String, sha256: String) {
            self.file = file
            self.sha256 = sha256
        }
    }

    /// Writes the records of `articles`, one JSON line each, for a chunk of an input.
    ///
    /// - Parameters:
    ///   - deadline: a monotonic time (`Deadline.now`) after which the input is abandoned.
    ///   - slots: when given, each written record's place and near-duplicate signature is appended (the
    ///     streaming pipeline then looks them up, in input order, and marks or drops the repeats).
    /// - Returns: what became of the articles (written, by language; left out for their language).
    /// - Throws: `InputError.tooSlow` past the deadline.
    @discardableResult
    public mutating func writeRecords(_ articles: [RawArticle], source: SourceInfo, deadline: Deadline? = nil, into out: inout JSONWriter)
        throws(InputError) -> ArticleTally
    {
        var slots: [RecordSlot]?
        return try writeRecords(articles, source: source, deadline: deadline, into: &out, slots: &slots)
    }

    mutating func writeRecords(
        _ articles: [RawArticle],
        source: SourceInfo,
        deadline: Deadline?,
        into out: inout JSONWriter,
        slots: inout [RecordSlot]?,
        index: DuplicateIndex? = nil
    ) throws(InputError) -> ArticleTally {
        var tally = ArticleTally()
        analyzer.keepsTerms = slots != nil
        for article in articles {
            if let deadline, deadline.hasPassed { throw .tooSlow(seconds: deadline.budget) }
            let start = out.bytes.count
            let written = writeRecord(article, source: source, into: &out, signs: slots != nil, prefetchingIn: index)
            if let language = written.language, let wanted = configuration.languages, !wanted.contains(language) {
                tally.otherLanguages.add(language)
                continue
            }
            out.bytes.append(0x0A)
            tally.written += 1
            if let language = written.language { tally.languages.add(language) }
            if slots != nil {
                slots!.append(
                    RecordSlot(
                        start: start,
                        end: out.bytes.count,
                        hole: written.hole,
                        id: written.id,
                        language: written.language,
                        signature: written.signature?.signature,
                        keys: written.signature?.keys
                    )
                )
            }
        }
        return tally
    }

    /// Cleans and analyses one article and writes its record, unless its language is not among those asked
    /// for (then nothing is written).
    ///
    /// - Parameters:
    ///   - signs: whether the article's near-duplicate signature is made (and returned).
    ///   - index: where the signature will be looked up: the index slots the lookup reads first are fetched
    ///     from memory while the record is written.
    /// - Returns: the article's language (nil when language identification is off), its record id, where a
    ///   `"duplicate"` member would go, and its signature when asked for.
    mutating func writeRecord(
        _ article: RawArticle,
        source: SourceInfo,
        into out: inout JSONWriter,
        signs: Bool = false,
        prefetchingIn index: DuplicateIndex? = nil
    )
        -> (language: String?, id: RecordID, hole: Int, signature: (signature: DuplicateSignature, keys: BandKeys?)?)
    {
        var meta = ArticleMeta()
        for (key, value) in article.fields {
            switch key {
            case "url": meta.url = value
            case "warc-record-id": meta.recordID = value
            case "date": meta.date = value
            case "author": meta.author = value
            case "source": meta.source = value
            case "language": meta.language = value
            default: break
            }
        }
        meta.truncated = article.truncated
        // The page's language picks the stopwords the cleaner weighs lines by; the record's language is then
        // decided on the clean text (each reading stops once the answer is settled, usually within 100 bytes).
        let pageLanguage =
            configuration.identifyLanguage
            ? article.body.withUnsafeBytes { body in article.title.withUnsafeBytes { identifier.identify(title: $0, body: body) } }
            : nil
        let cleanerTitle = article.titleInBody ? [] : article.title
        let cleaned = article.body.withUnsafeBytes { body in
            cleanerTitle.withUnsafeBytes { title in
                cleaner.clean(
                    body: body,
                    title: title,
                    baseOffset: article.bodyOffset ?? 0,
                    meta: meta,
                    bodyIsValidUTF8: article.bodyIsValidUTF8,
                    stopwords: stopwordList(pageLanguage?.code)
                )
            }
        }
        // Clean text that starts with every byte the page's answer depended on gets the same answer.
        let language = pageLanguage.map { page in
            cleaned.text.withUnsafeBytes { text in
                article.body.withUnsafeBytes { body in
                    page.holds(forBody: text, examined: body)
                        ? page : article.title.withUnsafeBytes { identifier.identify(title: $0, body: text) }
                }
            }
        }
        let id = Self.recordID(article: article, source: source)
        if let language, let wanted = configuration.languages, !wanted.contains(language.code) { return (language.code, id, 0, nil) }
        var (stats, topTerms) = cleaned.text.withUnsafeBytes { analyzer.analyze($0, validUTF8: true, stopwords: stopwordList(language?.code)) }
        stats.paragraphs = cleaned.paragraphs
        stats.repairedBytes = article.repairedBytes
        let signature = signs ? analyzer.signature().map { ($0, index?.prefetchedKeys($0)) } : nil

        out.beginObject()
        out.key("id")
        id.write(into: &out)
        out.key("source")
        out.beginObject()
        out.key("file")
        out.string(source.file)
        out.key("sha256")
        out.string(source.sha256)
        out.key("format")
        out.string(source.format.rawValue)
        out.key("compression")
        out.string(source.compression.rawValue)
        out.key("encoding")
        out.string(source.encoding.rawValue)
        out.key("index")
        out.int(article.index)
        if let line = article.line {
            out.key("line")
            out.int(line)
        }
        out.key("offset")
        out.int(article.absoluteOffset ?? source.baseOffset + article.offset)
        out.key("length")
        out.int(article.length)
        out.endObject()
        out.key("title")
        Self.writeTitle(article.title, into: &out)
        out.key("text")
        cleaned.text.withUnsafeBytes { out.string(validUTF8: $0) }
        if cleaned.commentCount > 0 {
            out.key("comments")
            out.beginObject()
            out.key("count")
            out.int(cleaned.commentCount)
            out.key("text")
            cleaned.comments.withUnsafeBytes { out.string(validUTF8: $0) }
            out.endObject()
        }
        if let language {
            out.key("language")
            Self.writeLanguage(language, into: &out)
        }
        let hole = out.bytes.count
        out.key("meta")
        Self.writeMeta(cleaned.meta, into: &out)
        out.key("removed")
        out.beginArray()
        for removal in cleaned.removed {
            out.beginObject()
            out.key("rule")
            out.string(removal.rule)
            out.key("action")
            out.string(removal.disposition.action)
            out.key("offset")
            out.int(removal.offset)
            out.key("length")
            out.int(removal.length)
            out.key("text")
            article.body.withUnsafeBytes { body in
                _ = out.string(UnsafeRawBufferPointer(rebasing: body[removal.bodyOffset..<(removal.bodyOffset + removal.length)]))
            }
            out.endObject()
        }
        out.endArray()
        if cleaned.unlisted.spans > 0 {
            out.key("removed_unlisted")
            out.beginObject()
            out.key("spans")
            out.int(cleaned.unlisted.spans)
            out.key("bytes")
            out.int(cleaned.unlisted.bytes)
            out.endObject()
        }
        out.key("stats")
        Self.writeStats(stats, into: &out)
        out.key("top_terms")
        out.beginArray()
        for term in topTerms {
            out.beginObject()
            out.key("term")
            out.string(term.term)
            out.key("count")
            out.int(term.count)
            out.endObject()
        }
        out.endArray()
        out.key("winnow")
        out.string(Winnow.version)
        out.endObject()
        return (language?.code, id, hole, signature)
    }

    /// The stopwords of a language (pooled for none), looked up once per run of articles in that language.
    private mutating func stopwordList(_ code: String?) -> StopwordList {
        guard let code else { return .pooled }
        if let stopwords, stopwords.code == code { return stopwords.list }
        let list = StopwordList.forLanguage(code)
        stopwords = (code, list)
        return list
    }

    /// Writes a content-derived id: the first 128 bits of the SHA-256 of the article's bytes in its input, in
    /// hexadecimal (written from the bytes: no string is made per record).
    static func recordID(article: RawArticle, source: SourceInfo) -> RecordID {
        // A plain-text article longer than the size limit is hashed over the part that was kept.
        let end = min(article.offset + article.length, source.input.count)
        // One article per file (plain text) that is the file's bytes as stored: its hash is the file's.
        if source.inputIsFile && article.offset == 0 && end == source.input.count, let id = RecordID(hex: source.sha256.prefix(32)) {
            return id
        }
        let span = UnsafeRawBufferPointer(rebasing: source.input[article.offset..<end])
        var hasher = SHA256()
        hasher.update(span)
        return RecordID(digest: hasher.finalize())
    }

    /// Writes a `"duplicate"` member (with its leading comma, for a record's hole): `{"of": "<id>",
    /// "similarity": 0.93, "kind": "near"}`.
    static func writeDuplicate(_ match: DuplicateMatch, into out: inout JSONWriter) {
        out.bytes.append(UInt8(ascii: ","))
        var object = JSONWriter(capacity: 96)
        object.beginObject()
        object.key("duplicate")
        object.beginObject()
        object.key("of")
        match.of.write(into: &object)
        object.key("similarity")
        object.fixed(match.similarity, decimals: 3)
        object.key("kind")
        object.string(match.exact ? "exact" : "near")
        object.endObject()
        object.endObject()
        // The member alone, without the braces of the object it was written in.
        out.bytes.append(contentsOf: object.bytes[1..<(object.bytes.count - 1)])
    }

    /// Writes a language guess: `{"code": "en", "confidence": 0.998}`, with `runner_up` (the same two keys) when
    /// the second language is close, and `script` when asked.
    public static func writeLanguage(_ guess: LanguageGuess, script: Bool = false, into out: inout JSONWriter) {
        out.beginObject()
        out.key("code")
        out.string(guess.code)
        out.key("confidence")
        out.fixed(guess.confidence, decimals: 3)
        if let runnerUp = guess.runnerUp {
            out.key("runner_up")
            out.beginObject()
            out.key("code")
            out.string(runnerUp.code)
            out.key("confidence")
            out.fixed(runnerUp.confidence, decimals: 3)
            out.endObject()
        }
        if script {
            out.key("script")
            out.string(guess.script.description)
        }
        out.endObject()
    }

    /// Writes the title with runs of whitespace (including line breaks) collapsed to one space.
    static func writeTitle(_ title: [UInt8], into out: inout JSONWriter) {
        var collapsed: [UInt8] = []
        collapsed.reserveCapacity(title.count)
        var pendingSpace = false
        for b in title {
            if isASCIIWhitespace(b) {
                pendingSpace = !collapsed.isEmpty
                continue
            }
            if pendingSpace { collapsed.append(0x20) }
            pendingSpace = false
            collapsed.append(b)
        }
        collapsed.withUnsafeBytes { _ = out.string($0) }
    }

    static func writeMeta(_ meta: ArticleMeta, into out: inout JSONWriter) {
        out.beginObject()
        func field(_ key: StaticString, _ value: String?) {
            guard let value else { return }
            out.key(key)
            out.string(value)
        }
        func list(_ key: StaticString, _ values: [String]) {
            guard !values.isEmpty else { return }
            out.key(key)
            out.beginArray()
            for value in values { out.string(value) }
            out.endArray()
        }
        field("url", meta.url)
        field("date", meta.date)
        field("author", meta.author)
        field("source", meta.source)
        field("language", meta.language)
        field("warc_record_id", meta.recordID)
        field("byline", meta.byline)
        field("dateline", meta.dateline)
        field("published", meta.published)
        field("updated", meta.updated)
        list("tags", meta.tags)
        list("credits", meta.credits)
        field("generator", meta.generator)
        field("editor", meta.editor)
        list("notes", meta.notes)
        if meta.truncated {
            out.key("truncated")
            out.bool(true)
        }
        out.endObject()
    }

    static func writeStats(_ stats: TextStatistics, into out: inout JSONWriter) {
        out.beginObject()
        out.key("bytes")
        out.int(stats.bytes)
        out.key("characters")
        out.int(stats.characters)
        out.key("tokens")
        out.int(stats.tokens)
        out.key("words")
        out.int(stats.words)
        out.key("unique_words")
        out.int(stats.uniqueWords)
        out.key("numbers")
        out.int(stats.numbers)
        out.key("punctuation")
        out.int(stats.punctuation)
        out.key("sentences")
        out.int(stats.sentences)
        out.key("paragraphs")
        out.int(stats.paragraphs)
        out.key("mean_word_length")
        out.fixed(stats.meanWordLength, decimals: 3)
        out.key("repaired_bytes")
        out.int(stats.repairedBytes)
        out.endObject()
    }
}

/// A point on the monotonic clock by which work must be done.
public struct Deadline: Sendable {
    public let budget: Double
    private let end: Double

    public init(seconds: Double) {
        budget = seconds
        end = Deadline.now + seconds
    }

    public var hasPassed: Bool { Deadline.now > end }

    /// Seconds on the monotonic clock.
    public static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
