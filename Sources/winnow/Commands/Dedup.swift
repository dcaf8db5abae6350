import ArgumentParser
import WinnowCore
import WinnowDaemon

struct Dedup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The reduce step of a sharded batch run: find articles that repeat one another task saw.",
        discussion: """
            Reads what the tasks of `winnow process --shard I/N --out OUT` left in OUT/_manifest/ and \
            OUT/_signatures/, looks every article up in one index in the order one unsharded run would have \
            (folder by folder, inputs by path), and writes OUT/_dedup/duplicates.jsonl: for each article that \
            repeats an article of another shard, its id, input and output, and the earlier article's id, input and \
            shard, with the similarity and kind. Repeats within a shard were marked by their task. With --drop, \
            the repeats are also removed from their outputs (each rewritten atomically).
            """
    )

    @Argument(help: "Output folders of sharded runs (OUT of winnow process --shard).")
    var folders: [String]

    @Flag(help: "Remove the repeating records from their outputs.")
    var drop = false

    @Option(help: "Similarity from which an article repeats an earlier one (default \(DuplicateIndex.Configuration().threshold), as the tasks').")
    var duplicateThreshold: Double?

    @Flag(name: .shortAndLong, help: "Print only errors and warnings.")
    var quiet = false

    func run() throws {
        for folder in folders where !FileSystem.isFolder(folder + "/" + BatchLayout.manifests) {
            throw ValidationError("\(folder): no \(BatchLayout.manifests)/ (not the output of winnow process --shard)")
        }
        let result = try CorpusDuplicates.find(outputFolders: folders, configuration: duplicateIndexConfiguration(threshold: duplicateThreshold))
        // Each folder gets the repeats whose records are in it.
        var removed = 0
        for folder in folders {
            let mine = result.duplicates.filter { $0.folder == folder }
            try FileSystem.createFolder(folder + "/" + BatchLayout.dedup)
            try FileSystem.writeAtomically(mine.flatMap(\.json), to: folder + "/" + BatchLayout.dedup + "/duplicates.jsonl")
            if drop {
                for (output, repeats) in Dictionary(grouping: mine, by: \.output).sorted(by: { $0.key < $1.key }) {
                    removed += try OutputFile.removeRecords(Set(repeats.map(\.id)), from: folder + "/" + output)
                }
            }
        }
        for retired in result.retired {
            printWarning("\(retired): signatures of an earlier version, moved aside; run that shard's tasks again to sign its articles")
        }
        if !quiet {
            var line = "\(result.inputs) inputs of \(result.shards) shard\(result.shards == 1 ? "" : "s"), \(result.articles) articles: "
            line += "\(result.duplicates.count) repeat\(result.duplicates.count == 1 ? "" : "s") of an article in another shard"
            if drop { line += ", \(removed) removed from the outputs" }
            print(line)
        }
    }
}
