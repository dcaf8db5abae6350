import Foundation
import Testing
import WinnowDaemon

@Suite struct SpoolTests {
    @Test func ledgerSurvivesATornLastRecord() throws {
        let temporary = try TemporaryFolder()
        let path = temporary.url.appendingPathComponent("ledger.tsv").path
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "b", count: 64)
        // A crash in the middle of the second append left half a line.
        try "\(a)\ta.txt.jsonl.gz\ta.txt\n\(b)\tb.txt.js".write(toFile: path, atomically: false, encoding: .utf8)
        let ledger = try Ledger(path: path)
        #expect(ledger.count == 1)
        #expect(ledger.entry(sha256: a) == Ledger.Entry(output: "a.txt.jsonl.gz", input: "a.txt"))
        #expect(ledger.reserve(sha256: a, input: "copy.txt") == .duplicate(of: "a.txt", output: "a.txt.jsonl.gz"))
        #expect(ledger.reserve(sha256: b, input: "b.txt") == .reserved)
        #expect(ledger.reserve(sha256: b, input: "b2.txt") == .duplicate(of: "b.txt", output: nil))
        try ledger.record(sha256: b, output: "b.txt.jsonl.gz", input: "b.txt")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "\(a)\ta.txt.jsonl.gz\ta.txt\n\(b)\tb.txt.jsonl.gz\tb.txt\n")
        #expect(try Ledger(path: path).count == 2)
    }

    @Test func configurationFileKeysAndPrecedence() throws {
        let temporary = try TemporaryFolder()
        let file = temporary.url.appendingPathComponent("winnow.conf")
        try """
            # a comment
            out = /data/results        # specific folders win over the root, wherever they stand
            spool = /srv/spool
            workers = 3
            on-success = "delete"
            poll = yes
            """.write(to: file, atomically: true, encoding: .utf8)
        var configuration = DaemonConfiguration(spoolRoot: "/cli/spool")
        try configuration.apply(file: file.path, keepingSpoolRoot: true)
        #expect(configuration.spool.inbox == "/cli/spool/inbox")
        #expect(configuration.spool.out == "/data/results")
        #expect(configuration.workers == 3)
        #expect(configuration.onSuccess == .delete)
        #expect(configuration.poll)
        var fromFile = DaemonConfiguration()
        try fromFile.apply(file: file.path)
        #expect(fromFile.spool.inbox == "/srv/spool/inbox")
        #expect(fromFile.spool.out == "/data/results")
    }

    @Test func configurationErrorsNameTheLine() throws {
        let temporary = try TemporaryFolder()
        let file = temporary.url.appendingPathComponent("bad.conf")
        try "workers = 2\nsettle-seconds = soon\n".write(to: file, atomically: true, encoding: .utf8)
        var configuration = DaemonConfiguration()
        let error = try #require(throws: ConfigurationError.self) { try configuration.apply(file: file.path) }
        #expect(error.line == 2)
        #expect(error.description.contains("settle-seconds: 'soon' is not a number"))
    }

    @Test(arguments: [
        ("article.txt", true), (".hidden", false), ("upload.part", false), ("x.tmp", false), ("notes~", false),
        ("dump.jsonl.gz", true),
    ])
    func inboxCandidates(name: String, taken: Bool) {
        #expect(SpoolLayout.isCandidate(name) == taken)
    }

    @Test func prometheusTextHasTheHistogramAndFailureLabels() {
        let metrics = Metrics()
        metrics.update { m in
            m.filesProcessed = 3
            m.failures["gzip"] = 1
        }
        metrics.observe(seconds: 0.003)
        metrics.observe(seconds: 0.2)
        let text = metrics.prometheusText()
        #expect(text.contains("winnow_files_processed_total 3\n"))
        #expect(text.contains("winnow_failures_total{reason=\"gzip\"} 1\n"))
        #expect(text.contains("winnow_processing_seconds_bucket{le=\"0.005\"} 1\n"))
        #expect(text.contains("winnow_processing_seconds_bucket{le=\"+Inf\"} 2\n"))
        #expect(text.contains("winnow_processing_seconds_count 2\n"))
    }
}
