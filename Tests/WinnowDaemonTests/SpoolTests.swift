import Foundation
import Testing
import WinnowCore
import WinnowDaemon

@Suite struct SpoolTests {
    @Test func ledgerImportsTheOldSingleFileLedgerWithoutItsTornLastLine() throws {
        let temporary = try TemporaryFolder()
        let legacy = temporary.url.appendingPathComponent("ledger.tsv").path
        let folder = temporary.url.appendingPathComponent("ledger").path
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "b", count: 64)
        // A crash in the middle of the second append left half a line.
        try "\(a)\ta.txt.jsonl.gz\ta.txt\n\(b)\tb.txt.js".write(toFile: legacy, atomically: false, encoding: .utf8)
        let ledger = try Ledger(folder: folder, instance: "one", importing: legacy)
        #expect(ledger.count == 1)
        #expect(!FileManager.default.fileExists(atPath: legacy) && FileManager.default.fileExists(atPath: legacy + ".imported"))
        #expect(ledger.entry(sha256: a) == Ledger.Entry(output: "a.txt.jsonl.gz", input: "a.txt"))
        #expect(try ledger.reserve(sha256: a, input: "copy.txt") == .duplicate(of: "a.txt", output: "a.txt.jsonl.gz"))
        #expect(try ledger.reserve(sha256: b, input: "b.txt") == .reserved)
        #expect(try ledger.reserve(sha256: b, input: "b2.txt") == .duplicate(of: "b.txt", output: nil))
        try ledger.record(sha256: b, output: "b.txt.jsonl.gz", input: "b.txt")
        let entry = try String(contentsOfFile: folder + "/bb/" + b, encoding: .utf8)
        #expect(entry == "b.txt.jsonl.gz\tb.txt\n")
        #expect(!FileManager.default.fileExists(atPath: folder + "/bb/" + b + ".claim"), "the claim goes with the record")
        let reopened = try Ledger(folder: folder, instance: "two")
        #expect(reopened.count == 2)
        #expect(try reopened.reserve(sha256: b, input: "b3.txt") == .duplicate(of: "b.txt", output: "b.txt.jsonl.gz"))
    }

    /// Several instances (separate ledgers on one folder, as separate hosts would have) race from many threads to
    /// claim the same contents: each content is won exactly once, and once recorded every instance sees the output.
    @Test func instancesRacingOnTheSameContentClaimItOnce() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url.appendingPathComponent("ledger").path
        let ledgers = try ["a", "b", "c", "d"].map { try Ledger(folder: folder, instance: $0) }
        let hashes = (0..<300).map { String(format: "%064x", $0 * 7919) }
        let wins = Locked([String: [String]]())
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            let ledger = ledgers[worker % ledgers.count]
            for sha in hashes.shuffled() {
                if case .reserved? = try? ledger.reserve(sha256: sha, input: "in-\(worker)") {
                    wins.withLock { $0[sha, default: []].append("in-\(worker)") }
                }
            }
        }
        let won = wins.withLock { $0 }
        #expect(won.count == hashes.count)
        #expect(won.values.allSatisfy { $0.count == 1 }, "one winner per content")
        for (sha, winners) in won {
            let owner = ledgers[Int(winners[0].dropFirst(3))! % ledgers.count]
            try owner.record(sha256: sha, output: winners[0] + ".jsonl.gz", input: winners[0])
        }
        for ledger in ledgers {
            for sha in hashes.prefix(20) {
                #expect(try ledger.reserve(sha256: sha, input: "late") == .duplicate(of: won[sha]![0], output: won[sha]![0] + ".jsonl.gz"))
            }
        }
        let left = try FileManager.default.subpathsOfDirectory(atPath: folder).filter { $0.contains(".claim") || $0.contains(".tmp") }
        #expect(left.isEmpty, "no claim or temporary file left: \(left.prefix(3))")
    }

    /// An instance dies holding claims: while its lease is fresh the others leave them; once it expires, of
    /// several instances breaking one claim at once exactly one takes the content. A restarted instance breaks
    /// its own earlier claims.
    @Test func aDeadInstancesClaimsAreBrokenOnceAndALiveOnesStand() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url.appendingPathComponent("ledger").path
        let deadOnes = Locked(Set<String>())
        let isAlive: @Sendable (String) -> Bool = { owner in !deadOnes.withLock { $0.contains(owner) } }
        let dying = try Ledger(folder: folder, instance: "dying", isAlive: isAlive)
        let hashes = (1...100).map { String(format: "%064x", $0 * 104_729) }
        for sha in hashes { #expect(try dying.reserve(sha256: sha, input: "first") == .reserved) }
        let others = try ["a", "b", "c"].map { try Ledger(folder: folder, instance: $0, isAlive: isAlive) }
        #expect(try others[0].reserve(sha256: hashes[0], input: "copy") == .duplicate(of: "first", output: nil), "a live claim stands")
        deadOnes.withLock { _ = $0.insert("dying") }
        let wins = Locked([String: Int]())
        DispatchQueue.concurrentPerform(iterations: 12) { worker in
            for sha in hashes where (try? others[worker % 3].reserve(sha256: sha, input: "copy-\(worker)")) == .reserved {
                wins.withLock { $0[sha, default: 0] += 1 }
            }
        }
        #expect(wins.withLock { $0.count } == hashes.count)
        #expect(wins.withLock { $0.values.allSatisfy { $0 == 1 } }, "one taker per dead claim")
        #expect(others.reduce(0) { $0 + $1.brokenClaims } == hashes.count)
        // The same instance after a restart: its claims from before are stale, not "in progress".
        let before = try Ledger(folder: folder, instance: "restarted")
        let sha = String(repeating: "c", count: 64)
        #expect(try before.reserve(sha256: sha, input: "x") == .reserved)
        let after = try Ledger(folder: folder, instance: "restarted")
        #expect(try after.reserve(sha256: sha, input: "x") == .reserved)
        #expect(after.brokenClaims == 1)
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
