import WinnowCore

/// The daemon's counters, gauges and processing-time histogram, written as Prometheus text.
///
/// The file goes to `state/metrics.prom` atomically, as node_exporter's textfile collector expects.
public final class Metrics: Sendable {
    public struct Snapshot: Sendable {
        public var filesProcessed = 0
        public var filesDuplicate = 0
        public var articles = 0
        /// Articles written, by detected language.
        public var languages: [String: Int] = [:]
        /// Articles left out because their language was not asked for, by language.
        public var otherLanguages: [String: Int] = [:]
        /// Articles that repeat earlier ones, exact copies among them, and those left out (`duplicates = drop`).
        public var duplicateArticles = 0
        public var exactDuplicateArticles = 0
        public var droppedDuplicateArticles = 0
        public var bytesIn = 0
        public var bytesOut = 0
        public var failures: [String: Int] = [:]
        public var retries = 0
        public var queueDepth = 0
        public var inFlight = 0
        /// Counts per bucket of `Metrics.bucketBounds`, plus one for +Inf.
        public var durationBuckets = [Int](repeating: 0, count: Metrics.bucketBounds.count + 1)
        public var durationSum = 0.0
        public var durationCount = 0
    }

    /// Upper bounds (seconds) of the processing-time histogram buckets.
    public static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private let state = Locked(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }

    public func observe(seconds: Double) {
        state.withLock { s in
            let bucket = Self.bucketBounds.firstIndex { seconds <= $0 } ?? Self.bucketBounds.count
            s.durationBuckets[bucket] += 1
            s.durationSum += seconds
            s.durationCount += 1
        }
    }

    /// The metrics in the Prometheus text exposition format, in a stable order.
    public func prometheusText() -> String {
        let s = snapshot
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ values: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in values { out += "\(name)\(labels) \(value)\n" }
        }
        metric("winnow_files_processed_total", "counter", "Input files turned into an output file.", [("", "\(s.filesProcessed)")])
        metric("winnow_files_duplicate_total", "counter", "Input files skipped because their content was already processed.", [("", "\(s.filesDuplicate)")])
        metric("winnow_articles_total", "counter", "Articles written.", [("", "\(s.articles)")])
        metric(
            "winnow_articles_by_language_total", "counter", "Articles written, by detected language (ISO 639-1, und).",
            s.languages.keys.sorted().map { ("{language=\"\($0)\"}", "\(s.languages[$0]!)") }
        )
        metric(
            "winnow_articles_other_language_total", "counter", "Articles left out because their language was not asked for (languages), by language.",
            s.otherLanguages.keys.sorted().map { ("{language=\"\($0)\"}", "\(s.otherLanguages[$0]!)") }
        )
        metric(
            "winnow_articles_duplicate_total", "counter", "Articles that repeat an earlier one, by kind (exact copy or near).",
            [("{kind=\"exact\"}", "\(s.exactDuplicateArticles)"), ("{kind=\"near\"}", "\(s.duplicateArticles - s.exactDuplicateArticles)")]
        )
        metric(
            "winnow_articles_duplicate_dropped_total", "counter", "Repeated articles left out of the output (duplicates = drop).",
            [("", "\(s.droppedDuplicateArticles)")]
        )
        metric("winnow_input_bytes_total", "counter", "Bytes of input processed.", [("", "\(s.bytesIn)")])
        metric("winnow_output_bytes_total", "counter", "Bytes of compressed output written.", [("", "\(s.bytesOut)")])
        metric(
            "winnow_failures_total", "counter", "Input files quarantined, by reason.",
            s.failures.keys.sorted().map { ("{reason=\"\($0)\"}", "\(s.failures[$0]!)") }
        )
        metric("winnow_retries_total", "counter", "Transient errors that were retried later.", [("", "\(s.retries)")])
        metric("winnow_queue_depth", "gauge", "Files waiting to be processed.", [("", "\(s.queueDepth)")])
        metric("winnow_in_flight", "gauge", "Files being processed.", [("", "\(s.inFlight)")])
        var buckets: [(labels: String, value: String)] = []
        var cumulative = 0
        for (i, bound) in Self.bucketBounds.enumerated() {
            cumulative += s.durationBuckets[i]
            buckets.append(("{le=\"\(bound)\"}", "\(cumulative)"))
        }
        cumulative += s.durationBuckets[Self.bucketBounds.count]
        buckets.append(("{le=\"+Inf\"}", "\(cumulative)"))
        out += "# HELP winnow_processing_seconds Time to process one input file.\n# TYPE winnow_processing_seconds histogram\n"
        for (labels, value) in buckets { out += "winnow_processing_seconds_bucket\(labels) \(value)\n" }
        out += "winnow_processing_seconds_sum \(s.durationSum)\n"
        out += "winnow_processing_seconds_count \(s.durationCount)\n"
        return out
    }
}
