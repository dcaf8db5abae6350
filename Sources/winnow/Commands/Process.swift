import ArgumentParser
import Dispatch
import WinnowCore
import WinnowDaemon

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct Process: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Process article dumps once: each input file becomes one .jsonl.gz (or .jsonl.zst) file.",
        discussion: """
            Inputs are files or folders (read recursively, hidden files skipped). The format (plain text, JSON \
            Lines, web archives, gzip or zstd of any) is detected from the content. Each input gives \
            OUT/<relative name>.jsonl.gz (.jsonl.zst with --compression zstd), written atomically; a name that \
            two inputs would share gets the first 12 hex digits of the input's SHA-256 added.
            """
    )

    @Argument(help: "Input files and folders; - reads standard input (named stdin in the records).")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output folder.")
    var out: String?

    @Flag(help: "Write plain JSON Lines to standard output instead of files.")
    var stdout = false

    @OptionGroup var compression: CompressionOptions

    @Option(name: .shortAndLong, help: "Files processed in parallel (default: one per core).")
    var jobs: Int?

    @Flag(name: .shortAndLong, help: "Print only errors and warnings.")
    var quiet = false

    @Flag(help: "Do not remove lines that recur across the plain-text inputs of this run (menus, footers, teasers).")
    var noMemory = false

    @Flag(help: "Do not look for articles that repeat earlier ones (by default one index spans all the inputs of the run).")
    var noDeduplicate = false

    @Option(help: "Keep the near-duplicate index in this folder between runs (DIR/duplicates.idx): articles seen in earlier runs count as earlier.")
    var index: String?

    @Option(help: "A line in at least this many distinct plain-text inputs of the run is boilerplate.")
    var memoryThreshold = 3

    @Option(help: ArgumentHelp("Process only task I's share of the inputs, of N tasks (I from 0 to N-1), split by a hash of each input's relative path; writes OUT/_manifest/ and OUT/_signatures/ for winnow dedup. Default: from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (or _MIN and _MAX), or JOB_COMPLETION_INDEX with --shard-count.", valueName: "I/N"))
    var shard: String?

    @Option(help: "The number of tasks, when the task's number comes from Kubernetes' JOB_COMPLETION_INDEX.")
    var shardCount: Int?

    @Flag(help: "Skip an input whose output is already there, made from the same bytes (its records' source.sha256): a re-submitted job only does what failed.")
    var skipExisting = false

    @OptionGroup var pipelineOptions: PipelineOptions

    func validate() throws {
        guard stdout != (out != nil) else {
            throw ValidationError("give either --out DIR or --stdout")
        }
        if noDeduplicate && index != nil { throw ValidationError("--index keeps the near-duplicate index: it cannot go with --no-deduplicate") }
        if let shard { _ = try Shard(parsing: shard) }
    }

    func run() throws {
        var configuration = try pipelineOptions.makeConfiguration()
        if noDeduplicate { configuration.duplicates = nil }
        var failures = 0
        var jobs: [Job] = []
        var spooled: String?
        defer { if let spooled { unlink(spooled) } }
        for input in inputs {
            if input == "-" {
                // Standard input is spooled to a temporary file: the input is read twice (hashed, then processed).
                guard spooled == nil else { throw ValidationError("- (standard input) can be given once") }
                let path = try FileSystem.spool(0)
                spooled = path
                jobs.append(Job(path: path, sourceName: "stdin"))
            } else if FileSystem.isFolder(input) {
                do {
                    jobs += try Job.all(under: input)
                } catch {
                    printError("\(input): \(error)")
                    failures += 1
                }
            } else if FileSystem.exists(input) {
                jobs.append(Job(path: input, sourceName: FileSystem.split(input).name))
            } else {
                printError("\(input): no such file or folder")
                failures += 1
            }
        }
        // Output names and the line memory come from all the inputs, before a shard takes its share: every task
        // of an array job then writes what one unsharded run would.
        if let out {
            try FileSystem.createFolder(out)
            try assignOutputPaths(&jobs, out: out)
        }
        if !noMemory { configuration.memory = Self.lineMemory(jobs, threshold: memoryThreshold) }
        let shard = try self.shard.map { try Shard(parsing: $0) } ?? Shard.fromEnvironment(arrayEnvironment(), count: shardCount)
        if let shard {
            jobs = jobs.filter { shard.owns($0.sourceName) }
            if !quiet { printNote("shard \(shard): \(jobs.count) input\(jobs.count == 1 ? "" : "s")") }
        }
        var duplicates: Runner.Duplicates?
        if configuration.duplicates != nil {
            let index = DuplicateIndex(configuration: pipelineOptions.duplicateIndexConfiguration)
            var store: DuplicateStore?
            var known: [String: [IndexedArticle]]?
            if let folder = self.index {
                // Articles of earlier runs are all earlier than this run's.
                try FileSystem.createFolder(folder)
                let opened = try DuplicateStore(path: folder + "/duplicates.idx")
                if let retired = opened.retiredPath, !quiet {
                    printNote("the index in \(folder) was written by an earlier version: moved to \(retired), starting afresh")
                }
                try opened.load(into: index, counts: { _ in true })
                store = opened
            } else if let shard, let out {
                // A shard keeps its articles' signatures for winnow dedup. Run again, it puts a skipped input's
                // articles into the index in that input's turn, as the first run did.
                let folder = out + "/" + BatchLayout.signatures
                try FileSystem.createFolder(folder)
                let opened = try DuplicateStore(path: folder + "/" + shard.name + ".idx")
                if let retired = opened.retiredPath, !quiet {
                    printNote("this shard's signatures were written by an earlier version: moved to \(retired), signing afresh")
                }
                known = [:]
                for segment in try opened.segments() { known?[segment.sha256] = segment.articles }
                store = opened
            }
            duplicates = Runner.Duplicates(index: index, store: store, known: known, turns: DuplicateTurns())
        }
        let runner = Runner(
            jobs: jobs, configuration: configuration, codec: compression.codec, toStdout: stdout, quiet: quiet, duplicates: duplicates,
            skipExisting: skipExisting
        )
        failures += runner.run(workers: max(1, self.jobs ?? ProcessInfoCores.count))
        if let shard, let out {
            // What this task did, for winnow dedup and for a person: written whole, at the end.
            let manifest = runner.manifest.map { entry in
                var entry = entry
                entry.output = entry.output.map { String($0.dropFirst(out.count + 1)) }
                return entry
            }
            try FileSystem.createFolder(out + "/" + BatchLayout.manifests)
            try FileSystem.writeAtomically(manifest.flatMap(\.json), to: out + "/" + BatchLayout.manifests + "/" + shard.name + ".jsonl")
        }
        if failures > 0 {
            printError("\(failures) input\(failures == 1 ? "" : "s") failed")
            throw ExitCode(1)
        }
    }

    /// The cross-document line memory of the run: every plain-text input (up to 16 MB) is read once before
    /// processing, so what counts as repeated does not depend on the order files are processed in. None for a
    /// run of no more inputs than the threshold.
    static func lineMemory(_ jobs: [Job], threshold: Int) -> LineMemory? {
        guard jobs.count > threshold else { return nil }
        var memory = LineMemory(threshold: threshold)
        let limit = 16 << 20
        for job in jobs {
            // Check the size before reading: a huge input is not loaded just to be skipped.
            guard let size = FileSystem.size(of: job.path), size <= limit, let stored = try? FileSystem.readFile(job.path),
                let decoded = try? stored.withUnsafeBytes({ buffer in
                    try Result { () throws(InputError) in try DecodedInput.decode(buffer, limits: InflateLimits(maxOutputBytes: limit)) }.get()
                })
            else { continue }
            let bytes = decoded.bytes ?? stored
            // JSON Lines bodies are already extracted text; only page text carries site chrome.
            guard let first = bytes.first(where: { !isWhitespaceByte($0) }), first != UInt8(ascii: "{") else { continue }
            bytes.withUnsafeBytes { memory.observe($0) }
        }
        return memory
    }

    /// Maps each input to its output path, mirroring relative folders; a second input that would share a
    /// name gets its content hash in the name instead, so outputs never overwrite each other.
    private func assignOutputPaths(_ jobs: inout [Job], out: String) throws {
        var taken: Set<String> = []
        var folders: Set<String> = []
        for index in jobs.indices {
            let ending = compression.codec.fileExtension
            var relative = jobs[index].sourceName + ending
            if taken.contains(relative) {
                let digest = (try? FileSystem.readFile(jobs[index].path)).map { SHA256.hex($0).prefix(12) } ?? "dup\(index)"
                relative = jobs[index].sourceName + ".\(digest)" + ending
            }
            taken.insert(relative)
            jobs[index].outputPath = out + "/" + relative
            folders.insert(FileSystem.split(out + "/" + relative).folder)
        }
        for folder in folders.sorted() { try FileSystem.createFolder(folder) }
    }
}

/// The variables array jobs name their task by (Slurm, Kubernetes Indexed Jobs).
func arrayEnvironment() -> [String: String] {
    var environment: [String: String] = [:]
    for key in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "JOB_COMPLETION_INDEX"] {
        if let value = getenv(key) { environment[key] = String(cString: value) }
    }
    return environment
}

struct Job: Sendable {
    var path: String
    var sourceName: String
    var outputPath: String?

    /// The regular files under a folder, each named by its path relative to the folder.
    static func all(under folder: String) throws -> [Job] {
        let root = folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder
        return try FileSystem.regularFiles(under: root).map { Job(path: root + "/" + $0, sourceName: $0) }
    }
}

enum ProcessInfoCores {
    static var count: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

func printError(_ message: String) {
    var line = "winnow: error: " + message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func printNote(_ message: String) {
    var line = "winnow: " + message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func printWarning(_ message: String) {
    var line = "winnow: warning: " + message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Runs the jobs on a fixed number of Dispatch workers; each worker owns its pipeline and buffers.
final class Runner: Sendable {
    let jobs: [Job]
    let configuration: PipelineConfiguration
    let codec: OutputCodec
    let toStdout: Bool
    let quiet: Bool
    let duplicates: Duplicates?

    /// One near-duplicate index for the whole run (and the folder it is kept in), looked up by the inputs in
    /// their order whatever the number of workers.
    struct Duplicates {
        var index: DuplicateIndex
        var store: DuplicateStore?
        /// A shard's signatures from an earlier run, by input hash.
        var known: [String: [IndexedArticle]]?
        var turns: DuplicateTurns
    }

    /// Skip an input whose output was made from the same bytes (and, in a shard, whose signatures are on file).
    let skipExisting: Bool

    private struct State {
        var next = 0
        var failures = 0
        /// What became of each input, by job index.
        var manifest: [ManifestEntry?] = []
        var finished = 0
        var bytesIn = 0
        var lastProgress = 0.0
        /// Output folders written to: each is synced once, after its last file (see `run`).
        var folders: Set<String> = []
    }

    private let state = Locked(State())
    private let started = monotonicSeconds()
    private let showProgress: Bool

    init(
        jobs: [Job], configuration: PipelineConfiguration, codec: OutputCodec, toStdout: Bool, quiet: Bool, duplicates: Duplicates?,
        skipExisting: Bool = false
    ) {
        self.skipExisting = skipExisting
        self.duplicates = duplicates
        self.jobs = jobs
        self.configuration = configuration
        self.codec = codec
        self.toStdout = toStdout
        self.quiet = quiet
        showProgress = isatty(2) != 0 && jobs.count > 1 && !quiet
    }

    /// What became of each input, in job order (after `run`).
    var manifest: [ManifestEntry] { state.withLock { $0.manifest.compactMap { $0 } } }

    /// Processes every job; returns the number that failed.
    func run(workers: Int) -> Int {
        state.withLock { $0.manifest = Array(repeating: nil, count: jobs.count) }
        // Standard output takes files one at a time, in order, each spread over all cores by chunks; files
        // take one core each while there are more files than cores.
        let fileWorkers = toStdout ? 1 : min(workers, max(jobs.count, 1))
        let parallelism = max(1, workers / fileWorkers)
        DispatchQueue.concurrentPerform(iterations: fileWorkers) { _ in
            var processor = FileProcessor(configuration: configuration, codec: codec, parallelism: parallelism)
            processor.streaming.compressOutput = !toStdout
            while let index = state.withLock({ s -> Int? in
                guard s.next < jobs.count else { return nil }
                defer { s.next += 1 }
                return s.next
            }) {
                handle(index, with: processor)
            }
        }
        if showProgress { writeStderr("\r\u{1B}[K") }
        // Each output was fsynced before its rename; one fsync per folder now makes the renames durable
        // (thousands of small files would otherwise pay a folder sync each).
        for folder in state.withLock({ $0.folders.sorted() }) {
            do throws(FileError) {
                try FileSystem.syncFolder(folder)
            } catch {
                printError("\(folder): \(error)")
                state.withLock { $0.failures += 1 }
            }
        }
        return state.withLock { $0.failures }
    }

    private func handle(_ index: Int, with processor: FileProcessor) {
        let job = jobs[index]
        var summary: String?
        var failed = false
        var bytesIn = 0
        let session = duplicates.map { duplicates in
            DuplicateSession(index: duplicates.index, keepsArticles: duplicates.store != nil) { duplicates.turns.wait(for: index) }
        }
        defer {
            // The next input's turn comes once this one is done, failed or not (a failed one's articles are
            // forgotten first).
            if failed { session?.rollback() }
            duplicates?.turns.finish(index)
        }
        var entry = ManifestEntry(input: job.sourceName, status: .processed)
        entry.output = job.outputPath
        defer { state.withLock { $0.manifest[index] = entry } }
        /// Keeps the input's articles' signatures with the run's index, once its records are out.
        func saveSignatures(sha256: String) throws(ProcessingError) {
            guard let store = duplicates?.store, let session else { return }
            do throws(FileError) {
                try store.append(sha256: sha256, articles: session.added)
            } catch {
                throw .file(error)
            }
        }
        do throws(ProcessingError) {
            if let outputPath = job.outputPath, skipExisting, let sha = Self.alreadyDone(job, output: outputPath, signatures: duplicates?.known) {
                entry.status = .skipped
                entry.sha256 = sha
                if let known = duplicates?.known?[sha] { session?.insertKnown(known) }
                summary = "\(job.sourceName): already done, skipped"
            } else if let outputPath = job.outputPath {
                let outcome = try processor.process(
                    path: job.path,
                    sourceName: job.sourceName,
                    outputPath: outputPath,
                    syncingFolder: false,
                    duplicates: session
                )
                try saveSignatures(sha256: outcome.sha256)
                let folder = FileSystem.split(outputPath).folder
                state.withLock { _ = $0.folders.insert(folder) }
                bytesIn = outcome.inputBytes
                for issue in outcome.issues { printWarning("\(job.path): \(issue)") }
                if outcome.issueCount > outcome.issues.count {
                    printWarning("\(job.path): \(outcome.issueCount - outcome.issues.count) more skipped parts not listed")
                }
                summary = Self.summary(job.sourceName, outcome)
                entry.sha256 = outcome.sha256
                entry.articles = outcome.tally.written
                entry.bytesIn = outcome.inputBytes
                entry.bytesOut = outcome.outputBytes
            } else {
                let source: FileSource
                let sha: String
                do throws(FileError) {
                    source = try FileSource(path: job.path)
                    sha = try source.sha256()
                } catch { throw .file(error) }
                let outcome = try processor.stream(source, sourceName: job.sourceName, sha256: sha, duplicates: session) { records in
                    writeAll(1, records)
                }
                bytesIn = outcome.inputBytes
                for issue in outcome.issues { printWarning("\(job.path): \(issue)") }
                try saveSignatures(sha256: sha)
                let notes = tallySummary(outcome.tally)
                if !notes.isEmpty && !quiet { printNote("\(job.path): \(outcome.tally.written) written" + notes) }
            }
        } catch {
            printError("\(job.path): \(error)")
            failed = true
            entry.status = .failed
            entry.error = error.description
        }
        if let summary, !quiet {
            var line = summary + "\n"
            line.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
        }
        state.withLock { s in
            if failed { s.failures += 1 }
            s.finished += 1
            s.bytesIn += bytesIn
            if showProgress {
                let now = monotonicSeconds()
                if now - s.lastProgress > 0.2 || s.finished == jobs.count {
                    s.lastProgress = now
                    let rate = Double(s.bytesIn) / 1e6 / max(now - started, 1e-9)
                    writeStderr("\r\u{1B}[K[\(s.finished)/\(jobs.count)] \(formatBytes(s.bytesIn)) read, \(format1(rate)) MB/s")
                }
            }
        }
    }

    /// The input's SHA-256 when its output is already there and was made from it (and its signatures are on
    /// file, when they are kept); nil when it must be processed.
    static func alreadyDone(_ job: Job, output: String, signatures: [String: [IndexedArticle]]?) -> String? {
        guard FileSystem.exists(output), let recorded = OutputFile.firstRecordSHA256(output),
            let sha = try? FileSource(path: job.path).sha256(), sha == recorded
        else { return nil }
        if let signatures, signatures[sha] == nil { return nil }
        return sha
    }

    static func summary(_ name: String, _ outcome: FileOutcome) -> String {
        let rate = Double(outcome.inputBytes) / 1e6 / max(outcome.seconds, 1e-9)
        let articles = outcome.articles == 1 ? "1 article" : "\(outcome.articles) articles"
        var skipped = outcome.issueCount == 0 ? "" : ", \(outcome.issueCount) skipped"
        if !outcome.skippedRecords.isEmpty {
            let kinds = outcome.skippedRecords.keys.sorted().map { "\($0) \(outcome.skippedRecords[$0]!)" }.joined(separator: ", ")
            skipped += ", other records skipped (\(kinds))"
        }
        skipped += tallySummary(outcome.tally)
        return "\(name): \(articles)\(skipped), \(formatBytes(outcome.inputBytes)) in, \(formatBytes(outcome.outputBytes)) out, \(format1(rate)) MB/s"
    }
}

/// ", 3 in other languages left out (fr 2, de 1), 2 repeat earlier articles (1 exact)", or nothing.
func tallySummary(_ tally: ArticleTally) -> String {
    var out = ""
    if tally.otherLanguageCount > 0 {
        let byCode = tally.otherLanguages.dictionary.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
        out += ", \(tally.otherLanguageCount) in other languages left out (\(byCode.joined(separator: ", ")))"
    }
    if tally.duplicates > 0 {
        let verb = tally.duplicates == 1 ? "repeats an earlier article" : "repeat earlier articles"
        let dropped = tally.droppedDuplicates > 0 ? ", left out" : ""
        out += ", \(tally.duplicates) \(verb) (\(tally.exactDuplicates) exact\(dropped))"
    }
    return out
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var done = 0
        while done < buffer.count {
            let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return
            }
            done += n
        }
    }
}

func writeStderr(_ text: String) {
    writeAll(2, Array(text.utf8))
}

func format1(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return (tenths < 0 ? "-" : "") + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
}

func format3(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let fraction = String(abs(thousandths) % 1000)
    return (thousandths < 0 ? "-" : "") + "\(abs(thousandths) / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

func formatBytes(_ count: Int) -> String {
    switch count {
    case ..<1000: return "\(count) B"
    case ..<1_000_000: return format1(Double(count) / 1e3) + " KB"
    case ..<1_000_000_000: return format1(Double(count) / 1e6) + " MB"
    default: return format1(Double(count) / 1e9) + " GB"
    }
}

private func isWhitespaceByte(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0xEF || b == 0xBB || b == 0xBF
}
