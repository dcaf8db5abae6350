import ArgumentParser
import Logging
import WinnowCore
import WinnowDaemon

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the watch-folder daemon: files dropped into SPOOL/inbox become SPOOL/out/<name>.jsonl.gz.",
        discussion: """
            The spool holds inbox/ (watched), work/<instance>/ (claimed), out/ (results), done/ (processed \
            inputs), failed/ (quarantine, with <name>.reason.json) and state/ (ledger, metrics.prom). Settings \
            come from the defaults, then --config FILE (key = value lines, keys as the long options), then the \
            options given here. SIGTERM or SIGINT stops it gracefully; SIGHUP reloads the configuration file.
            """
    )

    @Option(help: "The spool folder.")
    var spool: String?

    @Option(help: "A configuration file (key = value lines; keys are the long option names).")
    var config: String?

    @Option(help: "This instance's name (default: the host name); its claims live in work/<instance>/.")
    var instance: String?

    @Option(help: "Files processed in parallel (default: one per core).")
    var workers: Int?

    @Flag(help: "Poll the inbox instead of using inotify (for NFS and other file systems without it).")
    var poll = false

    @Option(help: "Seconds a file found by a rescan must stay unchanged before it is taken (default 1).")
    var settleSeconds: Double?

    @Option(help: "Seconds between full rescans of the inbox (default 60; with --poll, --poll-seconds).")
    var rescanSeconds: Double?

    @Option(help: "What to do with a processed input: keep (move to done/) or delete (default keep).")
    var onSuccess: String?

    @Flag(help: "Output files whose content was already processed again, and do not look for repeated articles.")
    var noDeduplicate = false

    @Option(help: "Output compression: gzip (.jsonl.gz, through libdeflate) or zstd (.jsonl.zst) (default gzip).")
    var compression: String?

    @Option(help: "Compression level: gzip 0-12 (default 6), zstd 1-22 (default 3).")
    var level: Int?

    @Option(help: "Seconds SIGTERM waits for files in flight before releasing them (default 30).")
    var graceSeconds: Double?

    @Option(help: "Seconds after which another instance's lease has expired and its claims are reclaimed (default 60).")
    var leaseSeconds: Double?

    @Option(help: "Seconds between lease renewals (default 10).")
    var leaseRenewSeconds: Double?

    @Option(name: .customLong("set"), help: ArgumentHelp("Any configuration key, as in the file (repeatable): --set out=/data/results --set max-bytes-in-flight=1073741824.", valueName: "key=value"))
    var settings: [String] = []

    @OptionGroup var pipelineOptions: PipelineOptions

    /// Defaults, then the configuration file, then the options: run again on SIGHUP.
    func makeConfiguration() throws -> DaemonConfiguration {
        var configuration = DaemonConfiguration(spoolRoot: spool ?? "winnow-spool")
        if let config { try configuration.apply(file: config, keepingSpoolRoot: spool != nil) }
        if let instance { configuration.instance = instance }
        if let workers { try configuration.set("workers", "\(workers)") }
        if poll { configuration.poll = true }
        if let settleSeconds { try configuration.set("settle-seconds", "\(settleSeconds)") }
        if let rescanSeconds { try configuration.set(configuration.poll ? "poll-seconds" : "rescan-seconds", "\(rescanSeconds)") }
        if let onSuccess { try configuration.set("on-success", onSuccess) }
        if noDeduplicate { configuration.deduplicate = false }
        if let compression { try configuration.set("compression", compression) }
        if let level { try configuration.set("level", "\(level)") }
        if let graceSeconds { try configuration.set("grace-seconds", "\(graceSeconds)") }
        if let leaseSeconds { try configuration.set("lease-seconds", "\(leaseSeconds)") }
        if let leaseRenewSeconds { try configuration.set("lease-renew-seconds", "\(leaseRenewSeconds)") }
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else {
                throw ValidationError("--set \(setting): expected key=value")
            }
            do {
                try configuration.set(String(setting[..<equals]), String(setting[setting.index(after: equals)...]))
            } catch let error as ConfigurationError {
                throw ValidationError("--set \(setting): \(error.reason)")
            }
        }
        configuration.pipeline = try pipelineOptions.makeConfiguration(base: configuration.pipeline)
        if let threshold = pipelineOptions.duplicateThreshold { configuration.duplicateIndex.threshold = threshold }
        return configuration
    }

    func run() throws {
        let configuration = try makeConfiguration()
        LoggingSystem.bootstrap { StderrLogHandler(label: $0) }
        let logger = Logger(label: "winnow")
        let command = self
        let daemon: Daemon
        do {
            daemon = try Daemon(configuration: configuration, logger: logger) { try command.makeConfiguration() }
            try daemon.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        let status = daemon.wait()
        if status != 0 { throw ExitCode(status) }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a spool's counters (from state/metrics.prom) and what each folder holds."
    )

    @Option(help: "The spool folder.")
    var spool: String = "winnow-spool"

    func run() throws {
        let layout = SpoolLayout(root: spool)
        guard FileSystem.isFolder(layout.state) else {
            throw ValidationError("\(spool) is not a Winnow spool (no state/ folder)")
        }
        var values: [String: Double] = [:]
        var failures: [(String, Int)] = []
        if let bytes = try? FileSystem.readFile(layout.state + "/metrics.prom") {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let value = Double(parts[1]) else { continue }
                let key = String(parts[0])
                if key.hasPrefix("winnow_failures_total{reason=\"") {
                    failures.append((String(key.dropFirst(30).dropLast(2)), Int(value)))
                }
                values[key] = value
            }
        }
        func count(_ folder: String) -> Int {
            ((try? FileSystem.listFolder(folder)) ?? []).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".json") }.count
        }
        func metric(_ name: String) -> Int { Int(values[name] ?? 0) }
        var claimed = 0
        for instance in (try? FileSystem.listFolder(layout.work)) ?? [] { claimed += count(layout.work + "/" + instance) }
        let seconds = values["winnow_processing_seconds_sum"] ?? 0
        let processedCount = max(1, metric("winnow_processing_seconds_count"))
        print("""
            spool           \(spool)
            inbox           \(count(layout.inbox)) waiting
            work            \(claimed) claimed
            out             \(count(layout.out)) results
            done            \(count(layout.done)) inputs
            failed          \(count(layout.failed)) quarantined
            processed       \(metric("winnow_files_processed_total")) files, \(metric("winnow_articles_total")) articles
            duplicates      \(metric("winnow_files_duplicate_total"))
            bytes           \(formatBytes(metric("winnow_input_bytes_total"))) in, \(formatBytes(metric("winnow_output_bytes_total"))) out
            mean time       \(Int(seconds / Double(processedCount) * 1000)) ms per file
            retries         \(metric("winnow_retries_total"))
            """)
        for (reason, n) in failures.sorted(by: { $0.0 < $1.0 }) {
            print("failed: \(reason)".padding(16) + "\(n)")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
