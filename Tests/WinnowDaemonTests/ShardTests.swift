import Foundation
import Testing
import WinnowDaemon

/// Sharded batch runs: the split, the environment of array jobs, and shards plus `winnow dedup` against one run.
@Suite struct ShardTests {
    @Test func theSplitIsStableAndEveryInputHasOneShard() throws {
        let paths = (0..<1000).map { "business/\($0).txt" }
        let shards = try (0..<4).map { try Shard(index: $0, count: 4) }
        for path in paths { #expect(shards.filter { $0.owns(path) }.count == 1) }
        // Even enough: each of four shards gets a fair share.
        for shard in shards { #expect(paths.filter(shard.owns).count > 180) }
        #expect(try Shard(parsing: "2/4") == Shard(index: 2, count: 4))
        #expect(throws: ShardError.self) { try Shard(parsing: "4/4") }
        #expect(throws: ShardError.self) { try Shard(parsing: "two") }
    }

    @Test func arrayJobsNameTheirShardInTheEnvironment() throws {
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "8"]) == Shard(index: 3, count: 8))
        // --array=10-13: the bounds say the count and the offset.
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_MAX": "13"]) == Shard(index: 2, count: 4))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"], count: 4) == Shard(index: 1, count: 4))
        #expect(throws: ShardError.self) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"]) }
        #expect(try Shard.fromEnvironment([:]) == nil)
    }

    @Test func shardsAndTheDedupPassGiveWhatOneRunGives() throws {
        try withTemporaryFolder { folder in
            let corpus = corpusFolder().appendingPathComponent("clean/bbc/business")
            let one = folder.appendingPathComponent("one")
            let sharded = folder.appendingPathComponent("sharded")
            #expect(try runWinnow(["process", corpus.path, "--out", one.path, "--quiet"]).status == 0)
            for index in 0..<3 {
                let task = try runWinnow(["process", corpus.path, "--out", sharded.path, "--shard", "\(index)/3", "--quiet"])
                #expect(task.status == 0, "\(task.stderr)")
            }
            let dedup = try runWinnow(["dedup", sharded.path])
            #expect(dedup.status == 0, "\(dedup.stderr)")
            // The same outputs, the same records but for the repeats of other shards, which the pass lists.
            let (oneRecords, oneMarks) = try records(in: one)
            var (shardedRecords, shardedMarks) = try records(in: sharded)
            #expect(Set(oneRecords.keys) == Set(shardedRecords.keys))
            #expect(oneRecords.count == 510)
            for line in try String(contentsOf: sharded.appendingPathComponent("_dedup/duplicates.jsonl"), encoding: .utf8).split(separator: "\n") {
                let found = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let input = try #require(found["input"] as? String)
                shardedMarks[input] = found["duplicate_of"] as? String
                shardedRecords[input]?.removeValue(forKey: "duplicate")
            }
            for (input, record) in oneRecords {
                var unmarked = record
                unmarked.removeValue(forKey: "duplicate")
                #expect(NSDictionary(dictionary: unmarked).isEqual(to: shardedRecords[input]!.filter { $0.key != "duplicate" }), "\(input)")
            }
            #expect(oneMarks == shardedMarks)
            #expect(oneMarks.count >= 10, "the business articles filed twice")
            #expect(dedup.stdout.contains("510 inputs of 3 shards"))
            // Run again, every task skips everything.
            for index in 0..<3 {
                let again = try runWinnow(["process", corpus.path, "--out", sharded.path, "--shard", "\(index)/3", "--skip-existing", "--quiet"])
                #expect(again.status == 0)
                let manifest = try String(contentsOf: sharded.appendingPathComponent("_manifest/shard-\(index)-of-3.jsonl"), encoding: .utf8)
                #expect(!manifest.contains(#""status":"processed""#))
                #expect(manifest.contains(#""status":"skipped""#))
            }
            // --drop leaves the repeats of other shards out of their outputs, once.
            let listed = try String(contentsOf: sharded.appendingPathComponent("_dedup/duplicates.jsonl"), encoding: .utf8)
                .split(separator: "\n").count
            #expect(listed > 0, "some repeats are across shards")
            #expect(try runWinnow(["dedup", sharded.path, "--drop"]).stdout.contains("\(listed) removed from the outputs"))
            #expect(try records(in: sharded).records.count == 510 - listed)
            #expect(try runWinnow(["dedup", sharded.path, "--drop"]).stdout.contains("0 removed from the outputs"))
        }
    }

    /// A shard's signatures written by an earlier version are moved aside, never misread, and both the reduce
    /// step and the task run again say so (the reduce step's answer lacks that shard's articles until then).
    @Test func signaturesOfAnEarlierVersionAreMovedAsideAndReported() throws {
        try withTemporaryFolder { folder in
            let seed = corpusFolder().appendingPathComponent("seed/000_23272d59b78fa6f4.txt")
            let out = folder.appendingPathComponent("out")
            #expect(try runWinnow(["process", seed.path, "--out", out.path, "--shard", "0/1", "--quiet"]).status == 0)
            let signatures = out.appendingPathComponent("_signatures")
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: signatures.path).first { $0.hasSuffix(".idx") })
            // One segment as version 1 wrote it.
            var earlier = Data("WDX1".utf8) + Data([1, 0, 0, 0]) + Data(repeating: 0xAB, count: 32)
            earlier += Data(repeating: 0x5C, count: 152) + Data([0, 0, 0, 0])
            try earlier.write(to: signatures.appendingPathComponent(name))
            let dedup = try runWinnow(["dedup", out.path])
            #expect(dedup.status == 0, "\(dedup.stderr)")
            #expect(dedup.stderr.contains("earlier version"), "\(dedup.stderr)")
            #expect(dedup.stdout.contains("1 inputs of 1 shard, 0 articles"), "\(dedup.stdout)")
            #expect(try Data(contentsOf: signatures.appendingPathComponent(name + ".v1")) == earlier)
            // The task again: the old file is aside already; with another one there, it says so and signs afresh.
            try earlier.write(to: signatures.appendingPathComponent(name))
            let again = try runWinnow(["process", seed.path, "--out", out.path, "--shard", "0/1"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("earlier version"), "\(again.stderr)")
            #expect(try runWinnow(["dedup", out.path]).stdout.contains("1 articles"))
        }
    }

    /// Each record by its input, and which record each repeat names.
    func records(in folder: URL) throws -> (records: [String: [String: Any]], marks: [String: String]) {
        var records: [String: [String: Any]] = [:]
        var marks: [String: String] = [:]
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "gz" && !url.path.contains("/_") {
            for line in try gunzip(url).split(separator: 0x0A) {
                let record = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                let input = try #require(record[path: "source", "file"] as? String)
                records[input] = record
                if let of = record[path: "duplicate", "of"] as? String { marks[input] = of }
            }
        }
        return (records, marks)
    }
}
