import Foundation
import Testing
import WinnowCore

/// A `winnow watch` process on a spool folder, for integration tests.
final class RunningDaemon {
    let spool: URL
    let process = Process()
    let logURL: URL

    init(spool: URL, arguments: [String] = [], environment: [String: String] = [:]) throws {
        self.spool = spool
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        // One log file per process: several daemons on one spool must not overwrite each other's lines.
        logURL = spool.appendingPathComponent("daemon-\(UUID().uuidString.prefix(8)).log")
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.executableURL = try winnowExecutable()
        process.arguments = [
            "watch", "--spool", spool.path, "--settle-seconds", "0.2", "--rescan-seconds", "1", "--grace-seconds", "10",
        ] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "JOURNAL_STREAM")
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardError = log
        process.standardOutput = log
        try process.run()
    }

    /// The log so far (invalid UTF-8, which a cut write could leave, read as U+FFFD rather than losing the rest).
    var log: String { (try? Data(contentsOf: logURL)).map { String(decoding: $0, as: UTF8.self) } ?? "" }

    func folder(_ name: String) -> URL { spool.appendingPathComponent(name) }

    func names(in name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder(name).path)) ?? []).sorted()
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Freezes the daemon at a moment it verifiably holds a claim in `work/<instance>/`, then kills it; returns the
    /// names it held (empty when it never held one within the tries).
    func killWhileHoldingAClaim(instance: String) -> [String] {
        var holding: [String] = []
        for _ in 0..<200 {
            signal(SIGSTOP)
            holding = names(in: "work/" + instance)
            if !holding.isEmpty { break }
            signal(SIGCONT)
            usleep(2_000)
        }
        signal(SIGKILL)
        _ = waitForExit(timeout: 10)
        return holding
    }

    /// Stops it with SIGTERM and waits for a clean exit.
    @discardableResult
    func stop(timeout: TimeInterval = 30) -> Int32? {
        signal(SIGTERM)
        return waitForExit(timeout: timeout)
    }

    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout * sanitizerTimeScale)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            Issue.record("daemon did not exit within \(timeout) s")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// How much longer to wait under a sanitizer (scripts/sanitizers.sh sets WINNOW_SANITIZER): ThreadSanitizer
/// slows the daemon down about tenfold.
let sanitizerTimeScale: Double = ProcessInfo.processInfo.environment["WINNOW_SANITIZER"].flatMap(Double.init) ?? 1

/// Polls `condition` until it holds or the deadline passes (then records an issue).
@discardableResult
func waitUntil(
    _ description: String,
    timeout: TimeInterval,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) -> Bool {
    let deadline = Date().addingTimeInterval(timeout * sanitizerTimeScale)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    if condition() { return true }
    Issue.record("timed out after \(timeout) s waiting for \(description)", sourceLocation: sourceLocation)
    return false
}

/// Distinct real articles from the BBC set: (name, bytes), names unique and flat.
func distinctBBCArticles(_ count: Int) throws -> [(name: String, bytes: Data)] {
    let root = corpusFolder().appendingPathComponent("clean/bbc")
    var seen: Set<String> = []
    var result: [(String, Data)] = []
    for category in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
        let folder = root.appendingPathComponent(category)
        guard (try? folder.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true else { continue }
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".txt") {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            guard seen.insert(SHA256.hex(Array(data))).inserted else { continue }
            result.append(("\(category)-\(file)", data))
            if result.count == count { return result }
        }
    }
    try #require(result.count == count, "the BBC set has only \(result.count) distinct articles")
    return result
}

/// Writes `total` inputs into `inbox`, the articles over and over in turn, the k-th round's copy of an article
/// named `k-<name>`; returns the names in the order written.
func writeCopies(of articles: [(name: String, bytes: Data)], total: Int, into inbox: URL) throws -> [String] {
    try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
    var names: [String] = []
    for i in 0..<total {
        let article = articles[i % articles.count]
        let name = "\(i / articles.count)-\(article.name)"
        try article.bytes.write(to: inbox.appendingPathComponent(name))
        names.append(name)
    }
    return names
}

/// What `winnow process` makes of the same files: name → output bytes.
func referenceOutputs(for files: [(name: String, bytes: Data)], in folder: URL) throws -> [String: Data] {
    let input = folder.appendingPathComponent("reference-in")
    let output = folder.appendingPathComponent("reference-out")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    for file in files { try file.bytes.write(to: input.appendingPathComponent(file.name)) }
    // The daemon sees one file at a time: compare with process without the batch line memory, and without the
    // article index (which copy of a story is the earlier one depends on the order files arrive in).
    let result = try runWinnow(["process", input.path, "--out", output.path, "--quiet", "--no-memory", "--duplicates", "off"])
    try #require(result.status == 0, "winnow process failed: \(result.stderr)")
    var outputs: [String: Data] = [:]
    for file in files {
        outputs[file.name] = try Data(contentsOf: output.appendingPathComponent(file.name + ".jsonl.gz"))
    }
    return outputs
}
