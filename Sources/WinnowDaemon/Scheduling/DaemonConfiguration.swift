import WinnowCore

/// Everything `winnow watch` can be told, with the defaults a local spool needs.
public struct DaemonConfiguration: Sendable {
    public enum OnSuccess: String, Sendable {
        /// Move processed inputs to `done/` (the default: nothing is ever deleted unasked).
        case keep
        /// Delete processed inputs.
        case delete
    }

    public var spool: SpoolLayout
    /// This instance's name; its claims live in `work/<instance>/`.
    public var instance: String
    /// Parallel workers (default: one per core).
    public var workers: Int
    /// Most input bytes being processed at once; a larger file still runs, alone.
    public var maxBytesInFlight: Int = 512 << 20
    /// How long a file found by a rescan must keep its size and mtime before it is taken.
    public var settleSeconds: Double = 1
    /// Full rescans of the inbox, besides inotify events.
    public var rescanSeconds: Double = 60
    /// Use only rescans (for file systems without inotify, such as NFS); the interval becomes `pollSeconds`.
    public var poll = false
    public var pollSeconds: Double = 2
    public var onSuccess: OnSuccess = .keep
    /// Skip inputs whose content was already processed, and mark (or drop) articles that repeat earlier ones
    /// (`pipeline.duplicates`; an index in `state/articles-<instance>.idx`).
    public var deduplicate = true
    /// The article index: its similarity threshold and how many articles it remembers.
    public var duplicateIndex = DuplicateIndex.Configuration()
    /// How the outputs are compressed: gzip (`.jsonl.gz`, through libdeflate) or zstd (`.jsonl.zst`).
    public var compression = Compression.gzip
    /// The codec's level (nil: its default, gzip 6 and zstd 3); one outside the codec's levels is clamped into
    /// them.
    public var level: Int?

    /// The outputs' codec.
    public var codec: OutputCodec {
        let levels = OutputCodec.levels(compression)
        return OutputCodec(compression, level: level.map { min(max($0, levels.lowerBound), levels.upperBound) })
    }
    /// How long SIGTERM waits for in-flight files before releasing them to the inbox.
    public var graceSeconds: Double = 30
    /// First and largest delay before retrying a transient error.
    public var retryInitialSeconds: Double = 1
    public var retryMaxSeconds: Double = 300
    /// How often `state/metrics.prom` and the systemd status are refreshed.
    public var statusSeconds: Double = 5
    /// An instance whose lease (`work/<instance>.lease`) is older than this is presumed dead, and the files it
    /// claimed are put back into the inbox for the others.
    public var leaseSeconds: Double = 60
    /// How often an instance renews its lease (and looks at the others').
    public var leaseRenewSeconds: Double = 10
    public var pipeline = PipelineConfiguration()

    public init(spoolRoot: String = "winnow-spool", instance: String = defaultInstanceName(), workers: Int = onlineCores()) {
        spool = SpoolLayout(root: spoolRoot)
        self.instance = instance
        self.workers = max(1, workers)
        // One crafted file must not hold a worker for ever: past this it goes to failed/ as too-slow.
        pipeline.maxSecondsPerFile = 600
    }
}

/// A configuration file could not be used.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var line: Int
    public var reason: String
    public var description: String { "\(path):\(line): \(reason)" }
}

extension DaemonConfiguration {
    /// Applies a configuration file: `key = value` lines, `#` comments, values optionally in double quotes.
    ///
    /// Keys are the long option names of `winnow watch` (`spool`, `workers`, `settle-seconds`, …). The
    /// `spool` root applies before the single folders (`out = …`), wherever it stands in the file.
    ///
    /// - Parameter keepingSpoolRoot: ignore the file's `spool` (a command-line `--spool` wins).
    public mutating func apply(file path: String, keepingSpoolRoot: Bool = false) throws {
        let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
        var lineNumber = 0
        var pairs: [(line: Int, key: String, value: String)] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            line = trimmed(line)
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(path: path, line: lineNumber, reason: "expected key = value")
            }
            let key = String(trimmed(line[..<equals]))
            var value = String(trimmed(line[line.index(after: equals)...]))
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            pairs.append((lineNumber, key, value))
        }
        let roots = pairs.filter { $0.key == "spool" && !keepingSpoolRoot }
        for (line, key, value) in roots + pairs.filter({ $0.key != "spool" }) {
            do {
                try set(key, value)
            } catch let error as ConfigurationError {
                throw ConfigurationError(path: path, line: line, reason: error.reason)
            }
        }
    }

    /// Sets one option by its key.
    public mutating func set(_ key: String, _ value: String) throws {
        func number() throws -> Double {
            guard let n = Double(value), n >= 0 else { throw ConfigurationError(path: "", line: 0, reason: "\(key): '\(value)' is not a number") }
            return n
        }
        func integer() throws -> Int {
            guard let n = Int(value), n >= 0 else { throw ConfigurationError(path: "", line: 0, reason: "\(key): '\(value)' is not a whole number") }
            return n
        }
        func flag() throws -> Bool {
            switch value.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw ConfigurationError(path: "", line: 0, reason: "\(key): '\(value)' is not true or false")
            }
        }
        switch key {
        case "spool": spool = SpoolLayout(root: value)
        case "inbox": spool.inbox = value
        case "work": spool.work = value
        case "out": spool.out = value
        case "done": spool.done = value
        case "failed": spool.failed = value
        case "state": spool.state = value
        case "instance": instance = value
        case "workers": workers = max(1, try integer())
        case "max-bytes-in-flight": maxBytesInFlight = try integer()
        case "settle-seconds": settleSeconds = try number()
        case "rescan-seconds": rescanSeconds = max(0.1, try number())
        case "poll": poll = try flag()
        case "poll-seconds": pollSeconds = max(0.05, try number())
        case "on-success":
            guard let mode = OnSuccess(rawValue: value) else {
                throw ConfigurationError(path: "", line: 0, reason: "on-success: '\(value)' is not keep or delete")
            }
            onSuccess = mode
        case "deduplicate": deduplicate = try flag()
        case "compression":
            guard let codec = Compression(rawValue: value), codec != .none else {
                throw ConfigurationError(path: "", line: 0, reason: "compression: '\(value)' is not gzip or zstd")
            }
            compression = codec
        case "level": level = try integer()
        case "grace-seconds": graceSeconds = try number()
        case "retry-initial-seconds": retryInitialSeconds = max(0.01, try number())
        case "retry-max-seconds": retryMaxSeconds = try number()
        case "status-seconds": statusSeconds = max(0.1, try number())
        case "lease-seconds": leaseSeconds = max(1, try number())
        case "lease-renew-seconds": leaseRenewSeconds = max(0.1, try number())
        case "max-article-bytes": pipeline.limits.maxArticleBytes = try integer()
        case "max-line-bytes": pipeline.limits.maxLineBytes = try integer()
        case "max-decompressed-bytes": pipeline.limits.inflate.maxOutputBytes = try integer()
        case "max-expansion-ratio": pipeline.limits.inflate.maxExpansionRatio = try integer()
        case "max-json-depth": pipeline.limits.maxJSONDepth = try integer()
        case "max-articles": pipeline.limits.maxArticles = try integer()
        case "top-terms": pipeline.topTerms = try integer()
        case "langid": pipeline.identifyLanguage = try flag()
        case "duplicates":
            guard value == "off" || DuplicatePolicy(rawValue: value) != nil else {
                throw ConfigurationError(path: "", line: 0, reason: "duplicates: '\(value)' is not mark, drop or off")
            }
            pipeline.duplicates = DuplicatePolicy(rawValue: value)
        case "duplicate-threshold":
            let threshold = try number()
            guard (0.5...1).contains(threshold) else {
                throw ConfigurationError(path: "", line: 0, reason: "duplicate-threshold: \(value) is not between 0.5 and 1")
            }
            duplicateIndex.threshold = threshold
        case "max-indexed-articles": duplicateIndex.capacity = max(2, try integer())
        case "languages":
            do {
                pipeline.languages = value.allSatisfy { $0 == " " } ? nil : try PipelineConfiguration.parseLanguages(value)
            } catch {
                throw ConfigurationError(path: "", line: 0, reason: "languages: \(error)")
            }
        case "max-seconds-per-file": pipeline.maxSecondsPerFile = try number()
        default:
            throw ConfigurationError(path: "", line: 0, reason: "unknown key '\(key)'")
        }
    }
}

private func trimmed(_ s: Substring) -> Substring {
    var s = s
    while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
    return s
}
