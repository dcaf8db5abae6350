import WinnowCore

/// An article of one shard that repeats an article of another shard.
public struct CrossShardDuplicate: Sendable, Equatable {
    public var id: String
    /// The input and the output (relative to its output folder) the repeating record is in.
    public var input: String
    public var output: String
    public var shard: String
    /// The earlier article: its record id, input and shard.
    public var of: String
    public var ofInput: String
    public var ofShard: String
    public var similarity: Double
    public var exact: Bool
    /// The output folder the repeating record is in (not written).
    public var folder = ""

    public var json: [UInt8] {
        var out = JSONWriter(capacity: 256)
        out.beginObject()
        out.key("id")
        out.string(id)
        out.key("input")
        out.string(input)
        out.key("output")
        out.string(output)
        out.key("shard")
        out.string(shard)
        out.key("duplicate_of")
        out.string(of)
        out.key("of_input")
        out.string(ofInput)
        out.key("of_shard")
        out.string(ofShard)
        out.key("similarity")
        out.fixed(similarity, decimals: 3)
        out.key("kind")
        out.string(exact ? "exact" : "near")
        out.endObject()
        out.bytes.append(0x0A)
        return out.bytes
    }
}

/// The reduce step of a sharded batch run: every task wrote its articles' signatures (`_signatures/`) and what it
/// did (`_manifest/`); this looks the articles up in one index in the order one unsharded run would have (by
/// output folder, then input path), so an article repeating one that another task saw is found as it would have
/// been. Repeats inside one shard were already marked by their task.
public enum CorpusDuplicates {
    public struct Result: Sendable {
        public var duplicates: [CrossShardDuplicate] = []
        public var articles = 0
        public var inputs = 0
        public var shards = 0
        /// Signature files of an earlier version, moved aside unread (`DuplicateStore.retiredPath`): their
        /// articles are not in the answer until their tasks run again.
        public var retired: [String] = []
    }

    public static func find(outputFolders: [String], configuration: DuplicateIndex.Configuration) throws(FileError) -> Result {
        var result = Result()
        struct Input {
            var folder: String
            var entry: ManifestEntry
            var articles: [IndexedArticle]
        }
        var inputs: [Input] = []
        for folder in outputFolders {
            // Each shard's signatures by input hash.
            var signatures: [String: [String: [IndexedArticle]]] = [:]
            let signatureFolder = folder + "/" + BatchLayout.signatures
            if FileSystem.isFolder(signatureFolder) {
                for name in try FileSystem.listFolder(signatureFolder).sorted() where name.hasSuffix(".idx") {
                    let store = try DuplicateStore(path: signatureFolder + "/" + name)
                    if let retired = store.retiredPath { result.retired.append(retired) }
                    var bySHA: [String: [IndexedArticle]] = [:]
                    for segment in try store.segments() { bySHA[segment.sha256] = segment.articles }
                    signatures[String(name.dropLast(".idx".count))] = bySHA
                }
            }
            result.shards += signatures.count
            let entries = try ManifestEntry.read(outputFolder: folder)
                .filter { $0.status != .failed && $0.sha256 != nil && $0.output != nil }
                .sorted { $0.input.utf8.lexicographicallyPrecedes($1.input.utf8) }
            for entry in entries {
                inputs.append(Input(folder: folder, entry: entry, articles: signatures[entry.shard]?[entry.sha256!] ?? []))
            }
        }
        let index = DuplicateIndex(configuration: configuration)
        var owner: [RecordID: Int] = [:]
        for (position, input) in inputs.enumerated() {
            result.inputs += 1
            for article in input.articles {
                result.articles += 1
                let (match, _) = index.matchAndInsert(article)
                if owner[article.id] == nil { owner[article.id] = position }
                guard let match, let earlier = owner[match.of] else { continue }
                let before = inputs[earlier]
                guard before.entry.shard != input.entry.shard || before.folder != input.folder else { continue }
                result.duplicates.append(
                    CrossShardDuplicate(
                        id: "\(article.id)", input: input.entry.input, output: input.entry.output!, shard: input.entry.shard,
                        of: "\(match.of)", ofInput: before.entry.input, ofShard: before.entry.shard,
                        similarity: match.similarity, exact: match.exact, folder: input.folder
                    )
                )
            }
        }
        return result
    }
}
