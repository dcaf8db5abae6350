import Foundation
import Testing
import WinnowCore

/// `winnow watch` as it runs in production: the real binary, real files, real signals.
@Suite(.serialized) struct DaemonTests {
    @Test func droppedArticlesBecomeTheSameOutputsAsProcess() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let files = try distinctBBCArticles(1000)
        let reference = try referenceOutputs(for: files, in: folder)
        let daemon = try RunningDaemon(spool: folder.appendingPathComponent("spool"), arguments: ["--no-deduplicate"])
        try #require(waitUntil("the inbox", timeout: 10) { FileManager.default.fileExists(atPath: daemon.folder("inbox").path) })
        let inbox = daemon.folder("inbox")
        for (index, file) in files.enumerated() {
            if index.isMultiple(of: 2) {
                try file.bytes.write(to: inbox.appendingPathComponent(file.name))
            } else {
                // Written under a temporary name, then renamed in, as careful uploaders do.
                let temporary = inbox.appendingPathComponent(file.name + ".part")
                try file.bytes.write(to: temporary)
                try FileManager.default.moveItem(at: temporary, to: inbox.appendingPathComponent(file.name))
            }
        }
        waitUntil("1,000 inputs in done/", timeout: 120) { daemon.names(in: "done").count >= 1000 }
        #expect(daemon.stop() == 0)
        let outputs = daemon.names(in: "out")
        #expect(outputs.count == 1000)
        #expect(!outputs.contains { $0.hasPrefix(".") })
        for file in files {
            let produced = try? Data(contentsOf: daemon.folder("out").appendingPathComponent(file.name + ".jsonl.gz"))
            #expect(produced == reference[file.name], "\(file.name) differs from winnow process")
        }
        #expect(daemon.names(in: "inbox").isEmpty)
        #expect(daemon.names(in: "failed").isEmpty)
    }

    @Test func sigkillAtAnyMomentLosesAndDuplicatesNothing() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let files = try distinctBBCArticles(2000)
        let reference = try referenceOutputs(for: files, in: folder)
        let spool = folder.appendingPathComponent("spool")
        for name in ["inbox"] {
            try FileManager.default.createDirectory(at: spool.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        for file in files { try file.bytes.write(to: spool.appendingPathComponent("inbox/" + file.name)) }
        var kills = 0
        var attempts = 0
        // One worker, so that the run lasts long enough to be interrupted twenty times.
        while kills < 20 && attempts < 200 {
            attempts += 1
            // The ledger stays on; articles are not looked up (which copy is earlier depends on arrival order).
            let daemon = try RunningDaemon(spool: spool, arguments: ["--workers", "1", "--duplicates", "off"])
            usleep(useconds_t.random(in: 20_000...120_000))
            let remaining = daemon.names(in: "inbox").count + daemon.names(in: "work/\(hostName())").count
            daemon.signal(SIGKILL)
            _ = daemon.waitForExit(timeout: 10)
            if remaining > 0 { kills += 1 } else { break }
        }
        #expect(kills >= 20, "only \(kills) kills happened while work remained")
        let daemon = try RunningDaemon(spool: spool, arguments: ["--duplicates", "off"])
        waitUntil("all inputs in done/", timeout: 180) { daemon.names(in: "done").count >= files.count }
        #expect(daemon.stop() == 0)
        let outputs = daemon.names(in: "out")
        #expect(outputs.count == files.count, "one output per input")
        #expect(!outputs.contains { $0.hasPrefix(".") }, "no temporary files left in out/")
        #expect(daemon.names(in: "work/\(hostName())").isEmpty)
        #expect(daemon.names(in: "done").count == files.count, "each input retired once")
        for file in files {
            let produced = try? Data(contentsOf: daemon.folder("out").appendingPathComponent(file.name + ".jsonl.gz"))
            #expect(produced == reference[file.name], "\(file.name) differs after the crashes")
        }
    }

    @Test func repeatedArticlesAreMarkedOnceThroughKillsAndRestarts() throws {
        let temporary = try TemporaryFolder()
        defer { withExtendedLifetime(temporary) {} }
        // The BBC set's near copies (J >= 0.8 over word 5-grams, not the same bytes), among other articles.
        let bbc = corpusFolder().appendingPathComponent("clean/bbc")
        let gold = try String(contentsOf: corpusFolder().appendingPathComponent("neardup/bbc-pairs.tsv"), encoding: .utf8)
        var pairs: [(String, String)] = []
        for line in gold.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 5, Double(fields[3])! / Double(fields[4])! >= 0.8 else { continue }
            let a = try Data(contentsOf: bbc.appendingPathComponent(fields[0]))
            let b = try Data(contentsOf: bbc.appendingPathComponent(fields[1]))
            if a != b { pairs.append((fields[0], fields[1])) }
        }
        try #require(pairs.count >= 10)
        func name(_ path: String) -> String { path.replacing("/", with: "-") }
        let spool = temporary.url.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        var names: Set<String> = []
        for (a, b) in pairs {
            for path in [a, b] where names.insert(name(path)).inserted {
                try Data(contentsOf: bbc.appendingPathComponent(path)).write(to: spool.appendingPathComponent("inbox/" + name(path)))
            }
        }
        for file in try distinctBBCArticles(300) where names.insert(file.name).inserted {
            try file.bytes.write(to: spool.appendingPathComponent("inbox/" + file.name))
        }
        // Killed at random moments, the index's segment of a file half done counts only once its output does.
        for _ in 0..<6 {
            let daemon = try RunningDaemon(spool: spool, arguments: ["--workers", "1"])
            usleep(useconds_t.random(in: 30_000...150_000))
            daemon.signal(SIGKILL)
            _ = daemon.waitForExit(timeout: 10)
        }
        var daemon = try RunningDaemon(spool: spool)
        waitUntil("every input in done/", timeout: 120) { daemon.names(in: "done").count >= names.count }
        #expect(daemon.stop() == 0)
        func record(_ file: String) throws -> [String: Any] {
            let line = try gunzip(daemon.folder("out/\(file).jsonl.gz")).split(separator: 0x0A).first ?? []
            return try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        }
        for file in names {
            let r = try record(file)
            let of = r[path: "duplicate", "of"] as? String
            #expect(of == nil || of != r["id"] as? String, "\(file) marked as a repeat of itself")
        }
        for (a, b) in pairs {
            let first = try record(name(a))
            let second = try record(name(b))
            let marks = [(first, second), (second, first)].filter { $0.0[path: "duplicate", "of"] as? String == $0.1["id"] as? String }
            #expect(marks.count == 1, "\(a) and \(b): \(marks.count) marked")
        }
        // After a restart the index still knows them: a copy with other bytes (one more line end) is a repeat.
        daemon = try RunningDaemon(spool: spool)
        try #require(waitUntil("the inbox", timeout: 10) { FileManager.default.fileExists(atPath: daemon.folder("inbox").path) })
        let (a, _) = pairs[0]
        try (Data(contentsOf: bbc.appendingPathComponent(a)) + Data("\n".utf8)).write(to: daemon.folder("inbox/copy.txt"))
        waitUntil("the copy's output", timeout: 30) { daemon.names(in: "out").contains("copy.txt.jsonl.gz") }
        #expect(daemon.stop() == 0)
        let copy = try record("copy.txt")
        #expect(copy[path: "duplicate", "kind"] as? String == "exact")
        #expect(copy[path: "duplicate", "of"] as? String == (try record(name(a))["id"] as? String))
        let metrics = try String(contentsOf: daemon.folder("state/metrics.prom"), encoding: .utf8)
        #expect(metrics.contains("winnow_articles_duplicate_total{kind=\"exact\"} 1"))
    }

    @Test func zstdInputsAreReadAndOutputsWrittenAsZstdWhenConfigured() throws {
        let temporary = try TemporaryFolder()
        defer { withExtendedLifetime(temporary) {} }
        let daemon = try RunningDaemon(spool: temporary.url.appendingPathComponent("spool"), arguments: ["--compression", "zstd"])
        try #require(waitUntil("the inbox", timeout: 10) { FileManager.default.fileExists(atPath: daemon.folder("inbox").path) })
        let arabic = try Data(contentsOf: corpusFolder().appendingPathComponent("multilingual/arabic/saudinewsnet-2015-07-23.jsonl"))
        let dump = Array(arabic.prefix(200_000))
        let frame = try OutputCodec(.zstd).compress(dump)
        try Data(frame).write(to: daemon.folder("inbox/good.jsonl.zst"))
        // Cut inside its only frame, before any whole line: nothing readable.
        try Data(frame.prefix(40)).write(to: daemon.folder("inbox/cut.jsonl.zst"))
        waitUntil("both inputs settled", timeout: 30) {
            daemon.names(in: "done").contains("good.jsonl.zst") && daemon.names(in: "failed").contains("cut.jsonl.zst.reason.json")
        }
        #expect(daemon.stop() == 0)
        let records = try decompressed(daemon.folder("out/good.jsonl.zst.jsonl.zst"), with: ["/usr/bin/zstd", "-dcq"]).split(separator: 0x0A)
        #expect(records.count == dump.split(separator: 0x0A).count - 1, "every whole line of the excerpt")
        let record = try JSONSerialization.jsonObject(with: Data(records[0])) as? [String: Any]
        #expect(record?[path: "source", "compression"] as? String == "zstd")
        let reason = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.folder("failed/cut.jsonl.zst.reason.json"))) as? [String: Any]
        #expect(reason?["reason"] as? String == "zstd")
        #expect((reason?["message"] as? String)?.contains("zstd stream is truncated") == true)
    }

    @Test func articlesInOtherLanguagesAreCountedInTheIssuesFileAndTheMetrics() throws {
        let temporary = try TemporaryFolder()
        defer { withExtendedLifetime(temporary) {} }
        let daemon = try RunningDaemon(spool: temporary.url.appendingPathComponent("spool"), arguments: ["--set", "languages=ar", "--set", "status-seconds=0.2"])
        try #require(waitUntil("the inbox", timeout: 10) { FileManager.default.fileExists(atPath: daemon.folder("inbox").path) })
        let arabic = try Data(contentsOf: corpusFolder().appendingPathComponent("multilingual/arabic/saudinewsnet-2015-07-23.jsonl"))
        let lines = arabic.split(separator: 0x0A).prefix(20)
        var dump = Data()
        for line in lines { dump += line + Data([0x0A]) }
        dump += Data(#"{"title": "Budget", "text": "The government said on Monday that the new rules would take effect next year."}"#.utf8) + Data([0x0A])
        try dump.write(to: daemon.folder("inbox/mixed.jsonl"))
        waitUntil("the input in done/", timeout: 30) { daemon.names(in: "done").contains("mixed.jsonl") }
        waitUntil("the metrics", timeout: 10) {
            ((try? String(contentsOf: daemon.folder("state/metrics.prom"), encoding: .utf8)) ?? "").contains("language=\"ar\"")
        }
        #expect(daemon.stop() == 0)
        let issues = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.folder("done/mixed.jsonl.issues.json"))) as? [String: Any]
        #expect(issues?["reason"] as? String == "filtered")
        #expect(issues?["other_languages"] as? [String: Int] == ["en": 1])
        let records = try gunzip(daemon.folder("out/mixed.jsonl.jsonl.gz")).split(separator: 0x0A)
        #expect(records.count == 20)
        let metrics = try String(contentsOf: daemon.folder("state/metrics.prom"), encoding: .utf8)
        #expect(metrics.contains("winnow_articles_by_language_total{language=\"ar\"} 20"))
        #expect(metrics.contains("winnow_articles_other_language_total{language=\"en\"} 1"))
    }

    @Test func badInputsAreQuarantinedWhileGoodFilesAreProcessed() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let good = try distinctBBCArticles(30)
        let daemon = try RunningDaemon(spool: folder.appendingPathComponent("spool"))
        try #require(waitUntil("the inbox", timeout: 10) { FileManager.default.fileExists(atPath: daemon.folder("inbox").path) })
        let inbox = daemon.folder("inbox")
        func drop(_ name: String, _ data: Data) throws { try data.write(to: inbox.appendingPathComponent(name)) }
        for file in good.prefix(15) { try drop(file.name, file.bytes) }
        let seed = try Data(contentsOf: corpusFolder().appendingPathComponent("seed/000_23272d59b78fa6f4.txt"))
        try drop("empty.txt", Data())
        try drop("binary.bin", Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 8000)))
        let gzipped = try GzipEncoder.compress(Array(seed))
        // A stream cut short is read up to the cut; one with nothing readable is refused.
        try drop("cut.txt.gz", Data(gzipped.prefix(gzipped.count / 2)))
        try drop("truncated.txt.gz", Data(gzipped.prefix(10)))
        try drop("invalid-utf8.txt", Data((0..<6000).map { UInt8(0x80 + $0 % 64) }))
        try drop("garbage.jsonl", Data("{not json\n{\"a\": \n{{{{\n".utf8))
        try FileManager.default.createSymbolicLink(atPath: inbox.appendingPathComponent("passwd").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(inbox.appendingPathComponent("pipe").path, 0o644) == 0)
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("a-folder"), withIntermediateDirectories: false)
        try drop("unreadable.txt", seed)
        chmod(inbox.appendingPathComponent("unreadable.txt").path, 0)
        // A 1 GB single line of real text, written under a temporary name and renamed in.
        let line = Data(String(decoding: seed, as: UTF8.self).replacingOccurrences(of: "\n", with: " ").utf8)
        let big = inbox.appendingPathComponent("one-line.txt.part")
        _ = FileManager.default.createFile(atPath: big.path, contents: nil)
        let handle = try FileHandle(forWritingTo: big)
        var block = Data()
        while block.count < 8 << 20 { block.append(line) }
        var written = 0
        while written < 1 << 30 {
            handle.write(block)
            written += block.count
        }
        try handle.close()
        try FileManager.default.moveItem(at: big, to: inbox.appendingPathComponent("one-line.txt"))
        for file in good.suffix(15) { try drop(file.name, file.bytes) }

        let rootCanRead = geteuid() == 0
        var expectedDone = Set(good.map(\.name))
        expectedDone.insert("one-line.txt")
        expectedDone.insert("cut.txt.gz")
        if rootCanRead { expectedDone.insert("unreadable.txt") }
        func settled() -> Bool {
            expectedDone.isSubset(of: daemon.names(in: "done"))
                && daemon.names(in: "failed").filter { $0.hasSuffix(".reason.json") }.count >= 6
        }
        waitUntil("good files and bad ones settled", timeout: 180, settled)
        #expect(daemon.process.isRunning, "the daemon keeps running")
        let failed = daemon.names(in: "failed")
        for name in ["empty.txt", "binary.bin", "truncated.txt.gz", "invalid-utf8.txt", "garbage.jsonl", "passwd"] {
            #expect(failed.contains(name), "\(name) quarantined")
            #expect(failed.contains(name + ".reason.json"), "\(name) has a reason file")
        }
        let reason = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.folder("failed/truncated.txt.gz.reason.json"))) as? [String: Any]
        #expect(reason?["reason"] as? String == "gzip")
        #expect((reason?["message"] as? String)?.contains("truncated") == true)
        #expect(reason?["winnow"] as? String == Winnow.version)
        // The link was moved, never followed.
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.folder("failed/passwd").path)
        #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
        // FIFOs and folders are left alone, without blocking anything.
        #expect(daemon.names(in: "inbox").sorted() == ["a-folder", "pipe"])
        #expect(daemon.log.contains("ignored: not a regular file"))
        // The part of the seed before the cut is its record, flagged as cut, and the cut is reported.
        let cutRecord = try JSONSerialization.jsonObject(with: Data(try gunzip(daemon.folder("out/cut.txt.gz.jsonl.gz")))) as? [String: Any]
        #expect((cutRecord?["meta"] as? [String: Any])?["truncated"] as? Bool == true)
        #expect((cutRecord?["title"] as? String)?.isEmpty == false)
        let cutIssues = try String(contentsOf: daemon.folder("done/cut.txt.gz.issues.json"), encoding: .utf8)
        #expect(cutIssues.contains("truncated"))
        // The 1 GB line is cut at the article limit and flagged, not refused.
        let bigOutput = try gunzip(daemon.folder("out/one-line.txt.jsonl.gz"))
        let record = try JSONSerialization.jsonObject(with: Data(bigOutput)) as? [String: Any]
        #expect((record?["meta"] as? [String: Any])?["truncated"] as? Bool == true)
        if rootCanRead {
            #expect(daemon.names(in: "out").contains("unreadable.txt.jsonl.gz"), "root reads it anyway")
        } else {
            #expect(daemon.log.contains("transient error; will retry"))
        }
        #expect(daemon.stop() == 0)
    }

    @Test func twentyThousandFilesDroppedWhileStoppedAreAllProcessedOnce() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let spool = folder.appendingPathComponent("spool")
        let inbox = spool.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let articles = try distinctBBCArticles(2000)
        // 20,000 files: each real article under ten names; the ledger outputs each content once.
        for copy in 0..<10 {
            for article in articles { try article.bytes.write(to: inbox.appendingPathComponent("\(copy)-\(article.name)")) }
        }
        let daemon = try RunningDaemon(spool: spool)
        waitUntil("20,000 inputs in done/", timeout: 300) { daemon.names(in: "done").count >= 20_000 }
        #expect(daemon.stop() == 0)
        #expect(daemon.names(in: "done").count == 20_000)
        #expect(daemon.names(in: "out").count == 2000)
        #expect(daemon.names(in: "inbox").isEmpty)
        #expect(try ledgerFiles(spool).filter { !$0.contains(".") }.count == 2000)
    }

    @Test func aFullOutputDiskKeepsInputsAndResumesWhenSpaceReturns() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let spool = folder.appendingPathComponent("spool")
        let out = folder.appendingPathComponent("tmpfs-out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        guard shell("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", out.path) == 0 else {
            Issue.record("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); the full-disk case is untested")
            return
        }
        defer { _ = shell("umount", "-l", out.path) }
        let config = folder.appendingPathComponent("winnow.conf")
        try "out = \(out.path)\nretry-initial-seconds = 0.2\nretry-max-seconds = 1\n".write(to: config, atomically: true, encoding: .utf8)
        let daemon = try RunningDaemon(spool: spool, arguments: ["--config", config.path])
        try #require(waitUntil("the inbox", timeout: 10) { FileManager.default.fileExists(atPath: daemon.folder("inbox").path) })
        // About 3.5 MB of compressed output: it cannot fit in 1 MiB.
        let arabic = corpusFolder().appendingPathComponent("multilingual/arabic")
        for name in try FileManager.default.contentsOfDirectory(atPath: arabic.path) {
            try FileManager.default.copyItem(at: arabic.appendingPathComponent(name), to: daemon.folder("inbox").appendingPathComponent(name))
        }
        waitUntil("a retry after ENOSPC", timeout: 60) { daemon.log.contains("No space left on device") }
        let waiting = daemon.names(in: "work/\(hostName())") + daemon.names(in: "inbox")
        #expect(waiting.count >= 1, "the input stays")
        #expect(shell("mount", "-o", "remount,size=64m", out.path) == 0)
        waitUntil("both outputs once space returned", timeout: 60) {
            ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasSuffix(".jsonl.gz") && !$0.hasPrefix(".") }.count == 2
        }
        waitUntil("both inputs in done/", timeout: 30) { daemon.names(in: "done").count == 2 }
        #expect(daemon.stop() == 0)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test func fourInstancesShareASpoolAndFinishTheWorkOfOneKilledMidRun() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let spool = folder.appendingPathComponent("spool")
        let names = try writeCopies(of: try distinctBBCArticles(2000), total: 5000, into: spool.appendingPathComponent("inbox"))
        let options = ["--no-deduplicate", "--lease-seconds", "3", "--lease-renew-seconds", "0.5", "--workers", "1"]
        let instances = try ["a", "b", "c", "d"].map { try RunningDaemon(spool: spool, arguments: options + ["--instance", $0]) }
        waitUntil("instance b to hold claims", timeout: 60) {
            ((try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent("work/b").path)) ?? []).count > 0
                && (try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent("done").path))?.count ?? 0 > 500
        }
        // Freeze b at a moment it verifiably holds a claim, then kill it: its claim must be finished by others.
        let holding = instances[1].killWhileHoldingAClaim(instance: "b")
        try #require(!holding.isEmpty, "instance b never held a claim")
        waitUntil("all 5,000 inputs in done/", timeout: 300) { instances[0].names(in: "done").count >= 5000 }
        for (i, daemon) in instances.enumerated() where i != 1 { #expect(daemon.stop() == 0) }
        let done = instances[0].names(in: "done")
        #expect(done.count == 5000)
        #expect(Set(done) == Set(names), "each input retired once, under its own name")
        let outputs = instances[0].names(in: "out")
        #expect(outputs.count == 5000)
        #expect(!outputs.contains { $0.hasPrefix(".") }, "no partial output left, not even the killed instance's")
        for instance in ["a", "b", "c", "d"] { #expect(instances[0].names(in: "work/\(instance)").isEmpty) }
        let reclaimed = instances.map(\.log).joined(separator: "\n").split(separator: "\n").filter { $0.contains("reclaimed the files of an instance whose lease expired") }
        #expect(reclaimed.contains { $0.contains("instance=b") }, "the others reclaimed b's claims")
        // Every output is complete: each is a valid gzip file with one record.
        for name in outputs.prefix(200) {
            #expect(try gunzip(instances[0].folder("out/" + name)).split(separator: 0x0A).count == 1)
        }
    }

    /// Four processes share one spool and one ledger, each content arriving under six names: every content is
    /// output exactly once, also the contents an instance killed mid-run had claimed (its claims are broken once
    /// its lease expires), and no claim is left behind.
    @Test func fourInstancesRacingOnRepeatedContentOutputEachOnceThoughOneIsKilled() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let spool = folder.appendingPathComponent("spool")
        // Each of 300 contents under six names.
        let articles = try distinctBBCArticles(300)
        let names = try writeCopies(of: articles, total: 6 * articles.count, into: spool.appendingPathComponent("inbox"))
        // Only the ledger is under test: articles are not looked up (which copy is earlier depends on timing).
        let options = ["--duplicates", "off", "--lease-seconds", "3", "--lease-renew-seconds", "0.5", "--workers", "1"]
        let instances = try ["a", "b", "c", "d"].map { try RunningDaemon(spool: spool, arguments: options + ["--instance", $0]) }
        waitUntil("instance b to hold claims", timeout: 60) { !instances[1].names(in: "work/b").isEmpty }
        let holding = instances[1].killWhileHoldingAClaim(instance: "b")
        try #require(!holding.isEmpty, "instance b never held a claim")
        waitUntil("all 1,800 inputs in done/", timeout: 300) { instances[0].names(in: "done").count >= names.count }
        for (i, daemon) in instances.enumerated() where i != 1 { #expect(daemon.stop() == 0) }
        #expect(Set(instances[0].names(in: "done")) == Set(names), "each input retired once")
        let outputs = instances[0].names(in: "out")
        #expect(outputs.count == articles.count, "one output per content")
        #expect(!outputs.contains { $0.hasPrefix(".") })
        let ledger = try ledgerFiles(spool)
        #expect(ledger.filter { !$0.contains(".") }.count == articles.count)
        #expect(ledger.filter { $0.contains(".") }.isEmpty, "no claim or temporary file left: \(ledger.filter { $0.contains(".") }.prefix(3))")
    }

    @Test func hostileFilesEndInDoneOrFailedWhileAHundredGoodFilesAreProcessed() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let spool = folder.appendingPathComponent("spool")
        let inbox = spool.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let seed = try Data(contentsOf: corpusFolder().appendingPathComponent("seed/000_23272d59b78fa6f4.txt"))
        let words = Data(String(decoding: seed, as: UTF8.self).replacingOccurrences(of: "\n", with: " ").utf8)
        func fill(_ unit: Data, _ size: Int) -> Data {
            var data = Data(capacity: size + unit.count)
            while data.count < size { data.append(unit) }
            return data.prefix(size)
        }
        let megabyte = 1 << 20
        let goodLines = String(decoding: try Data(contentsOf: corpusFolder().appendingPathComponent("multilingual/arabic/saudinewsnet-2015-07-22.jsonl")), as: UTF8.self)
            .split(separator: "\n").prefix(20).joined(separator: "\n")
        var hostile: [String: Data] = [
            "combining-marks.txt": Data("a".utf8) + fill(Data("\u{0301}".utf8), megabyte),
            "no-spaces.txt": fill(Data(String(decoding: words, as: UTF8.self).replacingOccurrences(of: " ", with: "").utf8), megabyte),
            "one-char-lines.txt": fill(Data("x\n".utf8), megabyte),
            "only-replacement.txt": fill(Data("\u{FFFD}".utf8), megabyte),
            "mixed-line-ends.txt": fill(Data("line one\rline two\nline three\r\nline four\u{2028}".utf8), megabyte),
            "nuls-in-text.txt": fill(words.prefix(2000) + Data([0]), megabyte),
            "nested-html.jsonl": Data(#"{"title": "nested", "text": ""#.utf8) + fill(Data("<div>".utf8), megabyte / 2) + Data("text".utf8)
                + fill(Data("</div>".utf8), megabyte / 2) + Data("\"}\n".utf8),
            "deep-json.jsonl": Data((goodLines + "\n{\"title\": \"deep\", \"text\": \"x\", \"a\": " + String(repeating: "[", count: 100_000)
                + String(repeating: "]", count: 100_000) + "}\n").utf8),
        ]
        // A gzip bomb: 256 MiB of spaces in about 256 KB, refused by the expansion-ratio limit (or the size limit).
        let bombSource = Data(repeating: 0x20, count: 256 * megabyte)
        hostile["bomb.txt.gz"] = Data(try GzipEncoder.compress(Array(bombSource), level: 9))
        for (name, data) in hostile { try data.write(to: inbox.appendingPathComponent(name)) }
        let good = try distinctBBCArticles(100)
        for article in good { try article.bytes.write(to: inbox.appendingPathComponent(article.name)) }

        let config = folder.appendingPathComponent("winnow.conf")
        try "max-decompressed-bytes = 134217728\nmax-expansion-ratio = 100\nmax-seconds-per-file = 60\n".write(to: config, atomically: true, encoding: .utf8)
        let daemon = try RunningDaemon(spool: spool, arguments: ["--config", config.path])
        let expected = Set(good.map(\.name)).union(hostile.keys)
        func settled() -> Bool {
            let done = Set(daemon.names(in: "done"))
            let failed = Set(daemon.names(in: "failed"))
            return expected.allSatisfy { done.contains($0) || failed.contains($0) }
        }
        waitUntil("every file in done/ or failed/", timeout: 180, settled)
        #expect(daemon.process.isRunning)
        let out = Set(daemon.names(in: "out"))
        for article in good { #expect(out.contains(article.name + ".jsonl.gz"), "\(article.name) processed") }
        // The bomb is refused with a reason naming the limit; the others are processed.
        let reason = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.folder("failed/bomb.txt.gz.reason.json"))) as? [String: Any]
        let message = reason?["message"] as? String ?? ""
        #expect(message.contains("max-expansion-ratio") || message.contains("max-decompressed-bytes"), "\(message)")
        for name in hostile.keys where name != "bomb.txt.gz" {
            #expect(out.contains(name + ".jsonl.gz"), "\(name) processed")
        }
        // The deeply nested line is reported with its limit; the 20 good lines around it are output.
        let issues = try String(contentsOf: daemon.folder("done/deep-json.jsonl.issues.json"), encoding: .utf8)
        #expect(issues.contains("max-json-depth"))
        #expect(try gunzip(daemon.folder("out/deep-json.jsonl.jsonl.gz")).split(separator: 0x0A).count == 20)
        // Peak memory of the daemon stays bounded (VmHWM, in kB).
        let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        // (Under a sanitizer the shadow memory and AddressSanitizer's quarantine make the figure meaningless.)
        let bound = ProcessInfo.processInfo.environment["WINNOW_SANITIZER"] == nil ? 256 * 1024 : Int.max
        #expect(peak > 0 && peak < bound, "peak resident memory \(peak) kB")
        #expect(daemon.stop() == 0)
    }

    @Test func systemdHearsReadyStatusAndStopping() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let socketPath = folder.appendingPathComponent("notify.sock").path
        let listener = try DatagramListener(path: socketPath)
        let daemon = try RunningDaemon(
            spool: folder.appendingPathComponent("spool"),
            environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"]
        )
        var messages: [String] = []
        waitUntil("READY=1 and STATUS=", timeout: 20) {
            messages += listener.receiveAll()
            return messages.contains { $0.contains("READY=1") } && messages.contains { $0.hasPrefix("STATUS=") && $0.contains("done") }
        }
        #expect(messages.contains("WATCHDOG=1"))
        daemon.signal(SIGHUP)
        waitUntil("RELOADING=1 then READY=1", timeout: 10) {
            messages += listener.receiveAll()
            guard let reload = messages.firstIndex(of: "RELOADING=1") else { return false }
            return messages[(reload + 1)...].contains("READY=1")
        }
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 20) == 0)
        messages += listener.receiveAll()
        #expect(messages.contains("STOPPING=1"))
    }

    @Test func journalModeLogsPriorityPrefixesWithoutTimestamps() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let daemon = try RunningDaemon(spool: folder.appendingPathComponent("spool"), environment: ["JOURNAL_STREAM": "8:1234"])
        waitUntil("the first log line", timeout: 10) { daemon.log.contains("watching") }
        #expect(daemon.stop() == 0)
        let lines = daemon.log.split(separator: "\n")
        #expect(lines.first?.hasPrefix("<6>watching") == true)
        #expect(lines.allSatisfy { $0.hasPrefix("<") })
    }

    @Test func theUnitFileVerifiesAndIsHardened() throws {
        let temporary = try TemporaryFolder()
        let folder = temporary.url
        defer { withExtendedLifetime(temporary) {} }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/winnow.service")
        var unit = try String(contentsOf: source, encoding: .utf8)
        // verify checks that ExecStart exists: point it at the binary under test.
        unit = unit.replacingOccurrences(of: "/usr/bin/winnow", with: try winnowExecutable().path)
        let copy = folder.appendingPathComponent("winnow.service")
        try unit.write(to: copy, atomically: true, encoding: .utf8)
        let verify = try capture("systemd-analyze", "verify", copy.path)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.isEmpty, "verify is clean: \(verify.output)")
        let security = try capture("systemd-analyze", "security", "--offline=yes", copy.path)
        let exposure = security.output.split(separator: "\n").first { $0.contains("Overall exposure level") }
        let score = exposure.flatMap { line in line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) } }
        let value = try #require(score, "no exposure level in: \(security.output.suffix(300))")
        #expect(value <= 2.5)
    }
}

func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

@discardableResult
func shell(_ arguments: String...) -> Int32 {
    (try? capture(arguments))?.status ?? -1
}

func capture(_ arguments: String...) throws -> (status: Int32, output: String) {
    try capture(arguments)
}

func capture(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A Unix datagram socket standing in for systemd's notification socket.
final class DatagramListener {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind \(path)")
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
    }

    func receiveAll() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            messages += String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return messages
    }

    deinit { close(fd) }
}
