import Foundation
import Testing

/// `winnow process`, run as a user would: the real binary on real files.
@Suite struct ProcessCommandTests {
    let seed = corpusFolder().appendingPathComponent("seed/000_23272d59b78fa6f4.txt")

    @Test func twoRunsGiveByteIdenticalValidGzip() throws {
        try withTemporaryFolder { folder in
            let a = folder.appendingPathComponent("a")
            let b = folder.appendingPathComponent("b")
            let first = try runWinnow(["process", seed.path, "--out", a.path])
            let second = try runWinnow(["process", seed.path, "--out", b.path])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(second.status == 0)
            #expect(first.stdout.contains("000_23272d59b78fa6f4.txt: 1 article"))
            let name = "000_23272d59b78fa6f4.txt.jsonl.gz"
            let bytesA = try Data(contentsOf: a.appendingPathComponent(name))
            let bytesB = try Data(contentsOf: b.appendingPathComponent(name))
            #expect(bytesA == bytesB)
            let records = try gunzip(a.appendingPathComponent(name)).split(separator: 0x0A)
            #expect(records.count == 1)
            // Nothing temporary is left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: a.path) == [name])
        }
    }

    @Test func zstdAndGzipOutputsReadBackWithTheStandardTools() throws {
        try withTemporaryFolder { folder in
            let dump = corpusFolder().appendingPathComponent("multilingual/arabic/saudinewsnet-2015-07-22.jsonl")
            let zstd = folder.appendingPathComponent("zstd")
            let gzip = folder.appendingPathComponent("gzip")
            let first = try runWinnow(["process", dump.path, "--out", zstd.path, "--compression", "zstd", "--jobs", "2"])
            #expect(first.status == 0, "\(first.stderr)")
            let second = try runWinnow(["process", dump.path, "--out", gzip.path, "--level", "9", "--jobs", "2"])
            #expect(second.status == 0, "\(second.stderr)")
            let frames = try decompressed(zstd.appendingPathComponent("saudinewsnet-2015-07-22.jsonl.jsonl.zst"), with: ["/usr/bin/zstd", "-dcq"])
            let members = try decompressed(gzip.appendingPathComponent("saudinewsnet-2015-07-22.jsonl.jsonl.gz"), with: ["/bin/gzip", "-dc"])
            let python = try decompressed(
                gzip.appendingPathComponent("saudinewsnet-2015-07-22.jsonl.jsonl.gz"),
                with: ["/usr/bin/python3", "-c", "import gzip, sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())"]
            )
            #expect(frames == members)
            #expect(python == members)
            #expect(frames.split(separator: 0x0A).count == 2050)
            // A level the codec does not have is refused before anything runs.
            let bad = try runWinnow(["process", dump.path, "--out", zstd.path, "--compression", "zstd", "--level", "30"])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("--level for zstd must be between 1 and 22"))
        }
    }

    @Test func standardInputIsProcessedLikeAFileNamedStdin() throws {
        let process = Process()
        process.executableURL = try winnowExecutable()
        process.arguments = ["process", "-", "--stdout"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The seed article through a pipe, as `curl … | winnow process - --stdout` gives it.
        let seedBytes = try Data(contentsOf: seed)
        DispatchQueue.global().async {
            input.fileHandleForWriting.write(seedBytes)
            try? input.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = data.split(separator: 0x0A)
        #expect(lines.count == 1)
        let record = try JSONSerialization.jsonObject(with: Data(lines[0])) as? [String: Any]
        #expect(record?[path: "source", "file"] as? String == "stdin")
        #expect((record?["title"] as? String)?.hasPrefix("Xi Jinping Vows") == true)
        // The same record as the file itself gives, but for its name.
        let direct = try runWinnow(["process", seed.path, "--stdout"])
        #expect(direct.stdout.replacingOccurrences(of: "000_23272d59b78fa6f4.txt", with: "stdin") == String(decoding: data, as: UTF8.self))
    }

    @Test func explainMarksEveryRemovedLineWithItsRule() throws {
        let result = try runWinnow(["explain", seed.path, "--color", "never"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("T Xi Jinping Vows") == true)
        #expect(lines.contains { $0.hasPrefix("- see-also") && $0.contains("See Also: Russia") })
        #expect(lines.contains { $0.hasPrefix("> generator-note") })
        #expect(lines.contains { $0.hasPrefix(String(repeating: " ", count: 24) + "In a recent development") })
        #expect(lines.last == "# 9 lines kept, 11 removed or moved")
        #expect(!result.stdout.contains("\u{1B}["), "no colour when asked for none")
    }

    /// `--memory-from` cleans a page as a run over a folder would: the site's recurring lines are
    /// `repeated-line`, and the film review's comment count (one the memory knows) still heads its thread.
    @Test func explainWithTheMemoryOfAFolderShowsWhatARunRemoves() throws {
        let pages = corpusFolder().appendingPathComponent("boilerplate/dragnet-dev/page-text")
        let page = pages.appendingPathComponent("R990.txt").path
        let alone = try runWinnow(["explain", page, "--color", "never"])
        let inRun = try runWinnow(["explain", page, "--color", "never", "--memory-from", pages.path])
        #expect(alone.status == 0 && inRun.status == 0, "\(inRun.stderr)")
        #expect(!alone.stdout.contains("- repeated-line"))
        let lines = inRun.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("- repeated-line") })
        #expect(lines.contains { $0.hasPrefix("- comments") && $0.hasSuffix("270 Comments") })
        #expect(lines.contains { $0.hasPrefix("c comment-thread") && $0.contains("Just saw \"Skyfall\" on IMAX.") })
    }

    /// A memory folder that is not there, or is a file, is an error that names it; nothing is explained.
    @Test func explainWithAMissingMemoryFolderSaysSo() throws {
        let page = corpusFolder().appendingPathComponent("boilerplate/dragnet-dev/page-text/R990.txt").path
        for folder in ["/nonexistent/winnow-memory", page] {
            let result = try runWinnow(["explain", page, "--color", "never", "--memory-from", folder])
            #expect(result.status != 0)
            #expect(result.stderr.contains(folder), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    /// A short TypePad post (dragnet-dev page R398) in a run over its set: after its "Comments" marker come the
    /// sidebar's lists of recent posts and comments, many short lines that read as text and together outweigh
    /// the post; none of them is as strong as the post's paragraph, so the marker ends the search for the
    /// article.
    @Test func theSidebarAfterTheCommentsMarkerIsNotTheArticle() throws {
        let pages = corpusFolder().appendingPathComponent("boilerplate/dragnet-dev/page-text")
        let page = pages.appendingPathComponent("R398.txt").path
        let result = try runWinnow(["explain", page, "--color", "never", "--memory-from", pages.path])
        #expect(result.status == 0, "\(result.stderr)")
        let kept = result.stdout.split(separator: "\n").filter { $0.hasPrefix(String(repeating: " ", count: 24)) }
        #expect(kept.contains { $0.contains("All – my VMworld 2012 SF recap (with loads of links)") })
        #expect(!kept.contains { $0.contains("Transparency. EMC PartnerQ4 Backstage Pass!") })
    }

    @Test func watchTakesAnyConfigurationKeyAsAnOption() throws {
        try withTemporaryFolder { folder in
            let spool = folder.appendingPathComponent("spool")
            let results = folder.appendingPathComponent("results")
            // An unknown key or a bad value is refused before anything starts.
            let bad = try runWinnow(["watch", "--spool", spool.path, "--set", "settle-seconds=soon"])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("settle-seconds: 'soon' is not a number"))
            let unknown = try runWinnow(["watch", "--spool", spool.path, "--set", "colour=blue"])
            #expect(unknown.stderr.contains("unknown key 'colour'"))
            // A folder set by option is the one the daemon uses.
            let daemon = try RunningDaemon(spool: spool, arguments: ["--set", "out=\(results.path)"])
            try #require(waitUntil("the inbox", timeout: 10) { FileManager.default.fileExists(atPath: spool.appendingPathComponent("inbox").path) })
            try Data(contentsOf: seed).write(to: spool.appendingPathComponent("inbox/seed.txt"))
            waitUntil("the output in the folder given by --set", timeout: 20) {
                FileManager.default.fileExists(atPath: results.appendingPathComponent("seed.txt.jsonl.gz").path)
            }
            #expect(daemon.stop() == 0)
        }
    }

    @Test func stdoutGivesPlainJSONLines() throws {
        let result = try runWinnow(["process", seed.path, "--stdout"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((object?["text"] as? String)?.hasPrefix("In a recent development") == true)
    }

    @Test func badInputsFailWithMessagesThatNameTheFileWhileGoodOnesAreProcessed() throws {
        try withTemporaryFolder { folder in
            let inbox = folder.appendingPathComponent("in")
            try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
            try Data().write(to: inbox.appendingPathComponent("empty.txt"))
            try Data([0x7F, 0x45, 0x4C, 0x46] + [UInt8](repeating: 0, count: 4000)).write(to: inbox.appendingPathComponent("binary.dat"))
            let seedBytes = try Data(contentsOf: seed)
            try seedBytes.write(to: inbox.appendingPathComponent("good.txt"))
            let out = folder.appendingPathComponent("out")
            let result = try runWinnow(["process", inbox.path, "--out", out.path])
            #expect(result.status == 1)
            #expect(result.stderr.contains("empty.txt: the file is empty"))
            #expect(result.stderr.contains("binary.dat: the file is binary"))
            #expect(result.stderr.contains("2 inputs failed"))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("good.txt.jsonl.gz").path))
        }
    }

    @Test func foldersAreReadRecursivelyAndMirroredInTheOutput() throws {
        try withTemporaryFolder { folder in
            let bbc = corpusFolder().appendingPathComponent("clean/bbc/tech")
            let out = folder.appendingPathComponent("out")
            let result = try runWinnow(["process", bbc.path, "--out", out.path, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
            let outputs = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".jsonl.gz") }
            let inputs = try FileManager.default.contentsOfDirectory(atPath: bbc.path).filter { $0.hasSuffix(".txt") }
            #expect(outputs.count == inputs.count)
            #expect(outputs.count == 401)
        }
    }
}

/// `winnow langid` and the language options of `process` and `watch`, run as a user would.
@Suite struct LanguageCommandTests {
    @Test func langidAnswersPerLineLikeFastTextPredict() throws {
        try withTemporaryFolder { folder in
            let lines = folder.appendingPathComponent("lines.txt")
            let text = """
                The government said on Monday that the new rules would take effect next year.
                Die Regierung hat am Montag neue Regeln beschlossen.
                ok
                Правительство объявило о новых правилах в понедельник.
                政府周一宣布新规定将于明年生效。
                """
            try Data((text + "\n").utf8).write(to: lines)
            let result = try runWinnow(["langid", lines.path, "--lines"])
            #expect(result.status == 0, "\(result.stderr)")
            let answers = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
            #expect(answers.map { $0.first ?? "" } == ["en", "de", "und", "ru", "zh"])
            for answer in answers {
                let confidence = try #require(Double(answer[1]))
                #expect((0...1).contains(confidence))
            }
            // The whole input at once, from standard input, as JSON.
            let whole = try runWinnow(["langid", "--jsonl", corpusFolder().appendingPathComponent("seed/000_23272d59b78fa6f4.txt").path])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(whole.stdout.utf8)) as? [String: Any])
            #expect(object["code"] as? String == "en")
            #expect(object["script"] as? String == "Latin")
            let list = try runWinnow(["langid", "--list-languages"])
            #expect(list.stdout.split(separator: "\n").flatMap { $0.split(separator: "\t")[1].split(separator: " ") }.count == 67 + 1)
        }
    }

    @Test func processKeepsOnlyTheLanguagesAskedFor() throws {
        try withTemporaryFolder { folder in
            let out = folder.appendingPathComponent("out")
            let arabic = corpusFolder().appendingPathComponent("multilingual/arabic/saudinewsnet-2015-07-22.jsonl")
            let result = try runWinnow(["process", arabic.path, "--out", out.path, "--languages", "en,de"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("in other languages left out (ar "), "\(result.stdout)")
            let records = try gunzip(out.appendingPathComponent("saudinewsnet-2015-07-22.jsonl.jsonl.gz"))
            #expect(records.isEmpty)
            let refused = try runWinnow(["process", arabic.path, "--stdout", "--languages", "en,xx"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("'xx' is not a language"))
        }
    }
}

/// Repeated articles found by `winnow process`, in one run and across runs.
@Suite struct DuplicateCommandTests {
    /// The BBC business folder: 510 files, ten of them repeats of others.
    let business = corpusFolder().appendingPathComponent("clean/bbc/business")

    func marks(_ folder: URL) throws -> [String: String] {
        var marks: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".jsonl.gz") {
            let line = try gunzip(folder.appendingPathComponent(name))
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            if let of = record[path: "duplicate", "of"] as? String { marks[name] = of }
        }
        return marks
    }

    @Test func oneIndexSpansTheRunAndItsAnswersDoNotDependOnTheJobs() throws {
        try withTemporaryFolder { folder in
            let one = folder.appendingPathComponent("one")
            let two = folder.appendingPathComponent("two")
            let first = try runWinnow(["process", business.path, "--out", one.path, "--jobs", "1"])
            let second = try runWinnow(["process", business.path, "--out", two.path, "--jobs", "2"])
            #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
            let found = try marks(one)
            #expect(found.count >= 8, "\(found.count) repeats marked")
            #expect(try marks(two) == found)
            for name in found.keys {
                let a = try Data(contentsOf: one.appendingPathComponent(name))
                let b = try Data(contentsOf: two.appendingPathComponent(name))
                #expect(a == b, "\(name) differs between one job and two")
            }
            #expect(first.stdout.contains("repeats an earlier article (1 exact)"))
            // --no-deduplicate: nothing is looked up.
            let none = folder.appendingPathComponent("none")
            #expect(try runWinnow(["process", business.path, "--out", none.path, "--no-deduplicate"]).status == 0)
            #expect(try marks(none).isEmpty)
        }
    }

    @Test func anIndexFolderRemembersArticlesBetweenRuns() throws {
        try withTemporaryFolder { folder in
            let index = folder.appendingPathComponent("index")
            let seed = corpusFolder().appendingPathComponent("seed/000_23272d59b78fa6f4.txt")
            let first = try runWinnow(["process", seed.path, "--out", folder.appendingPathComponent("a").path, "--index", index.path])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try marks(folder.appendingPathComponent("a")).isEmpty)
            // The same article under another name, a run later: a repeat of the first run's record.
            let copy = folder.appendingPathComponent("copy.txt")
            try (Data(contentsOf: seed) + Data("\n".utf8)).write(to: copy)
            let second = try runWinnow(["process", copy.path, "--out", folder.appendingPathComponent("b").path, "--index", index.path])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(try marks(folder.appendingPathComponent("b"))["copy.txt.jsonl.gz"] == "329a3c44b56e654639ff3b56895fa4ad")
            // Without the folder, the second run knows nothing of the first.
            let alone = try runWinnow(["process", copy.path, "--out", folder.appendingPathComponent("c").path])
            #expect(alone.status == 0)
            #expect(try marks(folder.appendingPathComponent("c")).isEmpty)
        }
    }

    @Test func anIndexOfAnEarlierVersionIsMovedAsideNotMisread() throws {
        try withTemporaryFolder { folder in
            let index = folder.appendingPathComponent("index")
            try FileManager.default.createDirectory(at: index, withIntermediateDirectories: true)
            // One segment as version 1 wrote it: its signatures cannot be weighed against this version's.
            var earlier = Data("WDX1".utf8) + Data([1, 0, 0, 0]) + Data(repeating: 0xAB, count: 32)
            earlier += Data(repeating: 0x5C, count: 152) + Data([0, 0, 0, 0])
            try earlier.write(to: index.appendingPathComponent("duplicates.idx"))
            let seed = corpusFolder().appendingPathComponent("seed/000_23272d59b78fa6f4.txt")
            let run = try runWinnow(["process", seed.path, "--out", folder.appendingPathComponent("a").path, "--index", index.path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("earlier version"), "\(run.stderr)")
            #expect(try marks(folder.appendingPathComponent("a")).isEmpty)
            #expect(try Data(contentsOf: index.appendingPathComponent("duplicates.idx.v1")) == earlier)
            #expect(try Data(contentsOf: index.appendingPathComponent("duplicates.idx")).prefix(4) == Data("WDX2".utf8))
        }
    }
}
