import ArgumentParser
import Dispatch
import Synchronization
import WinnowCore
import WinnowDaemon

#if canImport(Glibc)
import Glibc
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure each stage of the pipeline on your own files, in memory.",
        discussion: """
            Stages: tokenize and sentences (on the files' text), clean (on the article bodies), analyze, langid and \
            dedup (signatures and index lookups, on the clean texts and titles), pipeline (read, clean, tokenize, analyze, serialise: everything but compression), gzip \
            and zstd (the records alone, through libdeflate and zstd; gzip_zlib is zlib's gzip at level 6 for \
            comparison), and end_to_end (pipeline and the --compression codec, files spread over --threads). Each stage \
            runs once to warm up, then --runs times; MB/s is the stage's own input divided by the median time; \
            share is the stage's time relative to pipeline's. langid_cost and \
            dedup_cost (asked for by name) time the pipeline with and without the feature in turn and report what it \
            adds: the median of the pairs and their middle half (how noisy the machine was).
            """
    )

    @Argument(help: "Files and folders (recursive) to measure on.")
    var paths: [String]

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Timed runs per stage (the median is reported).")
    var runs = 5

    @OptionGroup var compression: CompressionOptions

    @Option(help: "Threads for end_to_end (default: one per core).")
    var threads: Int?

    @Option(help: "Only these stages (comma-separated), e.g. tokenize,sentences.")
    var stages: String?

    @Flag(help: "Run the pipeline without language identification.")
    var noLangid = false

    @Flag(help: "Run the pipeline without near-duplicate detection.")
    var noDeduplicate = false

    @Option(help: "Similarity from which an article repeats an earlier one (default \(DuplicateIndex.Configuration().threshold)).")
    var duplicateThreshold: Double?

    struct Stage {
        var name: String
        var bytes: Int
        var seconds: Double
        /// Input bytes per output byte, for the compression stages.
        var ratio: Double?
    }

    func run() throws {
        var files: [[UInt8]] = []
        for path in paths {
            if FileSystem.isFolder(path) {
                for relative in try FileSystem.regularFiles(under: path) { files.append(try FileSystem.readFile(path + "/" + relative)) }
            } else {
                files.append(try FileSystem.readFile(path))
            }
        }
        guard !files.isEmpty else { throw ValidationError("no files to measure") }
        let corpusBytes = files.reduce(0) { $0 + $1.count }
        let showProgress = isatty(2) != 0 && !json
        func progress(_ text: String) {
            if showProgress { writeStderr("\r\u{1B}[K" + text) }
        }

        // Inputs of the inner stages, prepared untimed.
        let reader = DumpReader()
        var bodies: [(body: [UInt8], title: [UInt8], valid: Bool)] = []
        var texts: [[UInt8]] = []
        var titles: [[UInt8]] = []
        var decoded: [[UInt8]] = []
        for file in files {
            let input = try? file.withUnsafeBytes { buffer in
                try Result { () throws(InputError) in try DecodedInput.decode(buffer, limits: InflateLimits()) }.get()
            }
            let plain = input.map { $0.bytes ?? file } ?? []
            decoded.append(plain)
            guard let contents = try? plain.withUnsafeBytes({ try reader.readDecompressed($0) }) else { continue }
            for article in contents.articles { bodies.append((article.body, article.title, article.bodyIsValidUTF8)) }
        }
        let cleaner = Cleaner()
        for (body, title, valid) in bodies {
            texts.append(body.withUnsafeBytes { b in title.withUnsafeBytes { cleaner.clean(body: b, title: $0, bodyIsValidUTF8: valid).text } })
            titles.append(title)
        }
        var jsonl: [[UInt8]] = []
        let configuration = {
            var configuration = PipelineConfiguration()
            configuration.identifyLanguage = !noLangid
            if noDeduplicate { configuration.duplicates = nil }
            return configuration
        }()
        var pipeline = Pipeline(configuration: configuration)
        for file in files { jsonl.append((try? pipeline.process(file, sourceName: "bench").jsonl) ?? []) }

        var stages: [Stage] = []
        /// The pipeline's extra time with a feature on, as a share: what it is, its stage name, the median of the
        /// paired runs and their first and third quartiles.
        var costs: [(what: String, stage: String, share: Double, quartiles: (low: Double, high: Double))] = []
        let selected = self.stages.map { Set($0.split(separator: ",").map(String.init)) }
        func measure(_ name: String, bytes: Int, ratio: Double? = nil, _ body: () -> Void) {
            if let selected, !selected.contains(name) { return }
            progress("measuring \(name)…")
            body()
            var times: [Double] = []
            for _ in 0..<max(1, runs) {
                let start = monotonicSeconds()
                body()
                times.append(monotonicSeconds() - start)
            }
            times.sort()
            stages.append(Stage(name: name, bytes: bytes, seconds: times[times.count / 2], ratio: ratio))
        }

        var tokens: [Token] = []
        tokens.reserveCapacity(1 << 20)
        measure("tokenize", bytes: decoded.reduce(0) { $0 + $1.count }) {
            let tokenizer = Tokenizer()
            for text in decoded {
                tokens.removeAll(keepingCapacity: true)
                text.withUnsafeBytes { tokenizer.tokenize($0, into: &tokens) }
            }
        }
        measure("segment", bytes: decoded.reduce(0) { $0 + $1.count }) {
            // Bare UAX #29 word segmentation, counting segments: the tokenizer's floor.
            var sink = CountingSink()
            for text in decoded { text.withUnsafeBytes { WordSegmenter().segment($0, into: &sink) } }
        }
        var sentences: [Range<Int>] = []
        measure("sentences", bytes: decoded.reduce(0) { $0 + $1.count }) {
            let splitter = SentenceSplitter()
            for text in decoded {
                sentences.removeAll(keepingCapacity: true)
                text.withUnsafeBytes { splitter.split($0, into: &sentences) }
            }
        }
        measure("clean", bytes: bodies.reduce(0) { $0 + $1.body.count }) {
            for (body, title, valid) in bodies {
                _ = body.withUnsafeBytes { b in
                    title.withUnsafeBytes { cleaner.clean(body: b, title: $0, bodyIsValidUTF8: valid).text.count }
                }
            }
        }
        var analyzer = Analyzer()
        measure("analyze", bytes: texts.reduce(0) { $0 + $1.count }) {
            for text in texts { _ = text.withUnsafeBytes { analyzer.analyze($0, validUTF8: true) } }
        }
        var identifier = LanguageIdentifier()
        measure("langid", bytes: texts.reduce(0) { $0 + $1.count } + titles.reduce(0) { $0 + $1.count }) {
            for (text, title) in zip(texts, titles) {
                _ = text.withUnsafeBytes { body in title.withUnsafeBytes { identifier.identify(title: $0, body: body) } }
            }
        }
        // The pipeline as `winnow process` runs it: one article index for the run (a fresh one per timed run,
        // or every article would repeat the run before).
        let duplicateIndex = duplicateIndexConfiguration(threshold: duplicateThreshold)
        func runPipeline(_ pipeline: inout Pipeline, files: ArraySlice<[UInt8]>, index: DuplicateIndex?) {
            for file in files {
                // As `winnow process` without --index: the articles are looked up and added, not kept to be saved.
                _ = try? pipeline.process(file, sourceName: "bench", duplicates: index.map { DuplicateSession(index: $0, keepsArticles: false) })
            }
        }
        measure("pipeline", bytes: corpusBytes) {
            runPipeline(&pipeline, files: files[...], index: configuration.duplicates == nil ? nil : DuplicateIndex(configuration: duplicateIndex))
        }
        // What language identification and near-duplicate detection cost: the pipeline without each, run in turn
        // with the pipeline with it (on these shared machines, runs taken apart can differ by more than the cost).
        /// The median share it adds, and the first and third quartiles of the pairs (how noisy the machine was).
        func cost(_ stage: String, without: PipelineConfiguration)
            -> (median: Double, quartiles: (low: Double, high: Double))?
        {
            guard selected?.contains(stage) == true else { return nil }
            var other = Pipeline(configuration: without)
            progress("measuring \(stage)…")
            var ratios: [Double] = []
            for _ in 0...max(1, runs) {
                // File by file in turn, so that a slow patch of the machine weighs on both alike; each goes first
                // every other file (the second one finds the file's bytes in the cache).
                var with = 0.0
                var none = 0.0
                let index = configuration.duplicates == nil ? nil : DuplicateIndex(configuration: duplicateIndex)
                let otherIndex = without.duplicates == nil ? nil : DuplicateIndex(configuration: duplicateIndex)
                for (number, file) in files.enumerated() {
                    let first = number % 2 == 0
                    let a = monotonicSeconds()
                    if first { runPipeline(&pipeline, files: [file], index: index) } else { runPipeline(&other, files: [file], index: otherIndex) }
                    let b = monotonicSeconds()
                    if first { runPipeline(&other, files: [file], index: otherIndex) } else { runPipeline(&pipeline, files: [file], index: index) }
                    let c = monotonicSeconds()
                    with += first ? b - a : c - b
                    none += first ? c - b : b - a
                }
                ratios.append(with / none)
            }
            ratios.removeFirst()
            ratios.sort()
            return (ratios[ratios.count / 2] - 1, (ratios[ratios.count / 4] - 1, ratios[(3 * ratios.count) / 4] - 1))
        }
        var withoutLangid = configuration
        withoutLangid.identifyLanguage = false
        withoutLangid.languages = nil
        if let share = cost("langid_cost", without: withoutLangid) {
            costs.append(("language identification", "langid_cost", share.median, share.quartiles))
        }
        var withoutDedup = configuration
        withoutDedup.duplicates = nil
        if let share = cost("dedup_cost", without: withoutDedup) {
            costs.append(("near-duplicate detection", "dedup_cost", share.median, share.quartiles))
        }
        // Signatures and the index alone, from the clean texts' words (which the analyzer finds anyway).
        var termAnalyzer = Analyzer()
        termAnalyzer.keepsTerms = true
        let termLists: [[UInt32]] = texts.map { text in
            text.withUnsafeBytes { _ = termAnalyzer.analyze($0, validUTF8: true) }
            return termAnalyzer.withTermArray()
        }
        measure("dedup", bytes: texts.reduce(0) { $0 + $1.count }) {
            let index = DuplicateIndex(configuration: duplicateIndex)
            for (number, terms) in termLists.enumerated() {
                guard let signature = terms.withUnsafeBufferPointer({ DuplicateSignature(terms: $0) }) else { continue }
                blackHole(index.matchAndInsert(IndexedArticle(id: RecordID(high: 0, low: UInt64(number)), signature: signature)))
            }
        }
        let chosen = compression.codec
        let recordBytes = jsonl.reduce(0) { $0 + $1.count }
        // The chosen codec at its level, the other at its default.
        for codec in [OutputCodec(.gzip, level: chosen.compression == .gzip ? chosen.level : nil),
                      OutputCodec(.zstd, level: chosen.compression == .zstd ? chosen.level : nil)] {
            // The ratio costs a compression of its own: only for a stage that is measured.
            if let selected, !selected.contains(codec.name) { continue }
            let compressed = jsonl.reduce(0) { $0 + ((try? codec.compress($1))?.count ?? 0) }
            measure(codec.name, bytes: recordBytes, ratio: Double(recordBytes) / Double(max(1, compressed))) {
                for records in jsonl { blackHole(try? codec.compress(records)) }
            }
        }
        if selected?.contains("gzip_zlib") ?? true {
            let zlibBytes = jsonl.reduce(0) { $0 + ((try? GzipEncoder.compress($1, level: 6))?.count ?? 0) }
            measure("gzip_zlib", bytes: recordBytes, ratio: Double(recordBytes) / Double(max(1, zlibBytes))) {
                for records in jsonl { blackHole(try? GzipEncoder.compress(records, level: 6)) }
            }
        }
        let threads = max(1, self.threads ?? onlineCores())
        let sharedFiles = files
        // As `winnow process` does: files spread over the threads, and when there are fewer files than threads,
        // each file's chunks spread over the rest.
        let fileWorkers = min(threads, sharedFiles.count)
        let parallelism = max(1, threads / fileWorkers)
        measure("end_to_end", bytes: corpusBytes) {
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: fileWorkers) { _ in
                let processor = FileProcessor(configuration: configuration, codec: chosen, parallelism: parallelism)
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < sharedFiles.count else { break }
                    _ = try? processor.processInMemory(sharedFiles[index], sourceName: "bench")
                }
            }
        }
        progress("")
        if showProgress { writeStderr("\r\u{1B}[K") }

        let pipelineSeconds = stages.first { $0.name == "pipeline" }?.seconds ?? 1
        if json {
            var out = JSONWriter()
            out.beginObject()
            out.key("corpus_bytes")
            out.int(corpusBytes)
            out.key("files")
            out.int(files.count)
            out.key("articles")
            out.int(bodies.count)
            out.key("runs")
            out.int(max(1, runs))
            out.key("threads")
            out.int(threads)
            out.key("compression")
            out.string(chosen.name)
            out.key("level")
            out.int(chosen.level)
            out.key("compressor")
            out.string(chosen.library)
            for cost in costs {
                out.key(dynamic: cost.stage)
                out.fixed(cost.share, decimals: 4)
                out.key(dynamic: cost.stage + "_quartiles")
                out.beginArray()
                out.fixed(cost.quartiles.low, decimals: 4)
                out.fixed(cost.quartiles.high, decimals: 4)
                out.endArray()
            }
            out.key("stages")
            out.beginArray()
            for stage in stages {
                out.beginObject()
                out.key("stage")
                out.string(stage.name)
                out.key("mb_per_s")
                out.fixed(Double(stage.bytes) / 1e6 / stage.seconds, decimals: 1)
                out.key("input_bytes")
                out.int(stage.bytes)
                out.key("seconds")
                out.fixed(stage.seconds, decimals: 6)
                out.key("share_of_pipeline")
                out.fixed(stage.seconds / pipelineSeconds, decimals: 3)
                if let ratio = stage.ratio {
                    out.key("ratio")
                    out.fixed(ratio, decimals: 3)
                }
                out.endObject()
            }
            out.endArray()
            out.endObject()
            out.bytes.append(0x0A)
            writeAll(1, out.bytes)
            return
        }
        print("corpus: \(files.count) files, \(bodies.count) articles, \(formatBytes(corpusBytes)); median of \(max(1, runs)) runs; end_to_end on \(threads) thread\(threads == 1 ? "" : "s"), \(chosen) (\(chosen.library))")
        for cost in costs {
            let (low, high) = (format1(cost.quartiles.low * 100), format1(cost.quartiles.high * 100))
            print("\(cost.what) costs the pipeline \(format1(cost.share * 100)) % (median of \(max(1, runs)) paired runs; middle half \(low) to \(high) %)")
        }
        print("stage".padding(12) + "MB/s".leftPadded(10) + "input".leftPadded(12) + "ms".leftPadded(10) + "share".leftPadded(9) + "ratio".leftPadded(8))
        for stage in stages {
            let rate = Double(stage.bytes) / 1e6 / stage.seconds
            let share = Int((stage.seconds / pipelineSeconds * 100).rounded())
            print(
                stage.name.padding(12) + format1(rate).leftPadded(10) + formatBytes(stage.bytes).leftPadded(12)
                    + format1(stage.seconds * 1000).leftPadded(10) + "\(share) %".leftPadded(9)
                    + (stage.ratio.map { format3($0).leftPadded(8) } ?? "")
            )
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}

struct CountingSink: WordSegmentSink {
    var count = 0
    mutating func segment(start: Int, end: Int, flags: SegmentFlags) { count &+= 1 }
}

/// The near-duplicate index settings for a threshold given (or the default).
func duplicateIndexConfiguration(threshold: Double?) -> DuplicateIndex.Configuration {
    var configuration = DuplicateIndex.Configuration()
    if let threshold { configuration.threshold = threshold }
    return configuration
}

/// Keeps a value alive and unused, so that the optimiser does not drop the work that made it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
