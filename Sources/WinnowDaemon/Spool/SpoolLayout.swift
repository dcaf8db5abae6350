#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The folders of a spool. The folder is the queue: every state a file can be in is a folder it sits in.
///
/// - `inbox/`: dropped files, watched;
/// - `work/<instance>/`: files this instance claimed (by atomic rename) and is processing;
/// - `out/`: results, each `<name>.jsonl.gz`, appearing atomically;
/// - `done/`: inputs that were processed (or were duplicates), kept unless `on-success` is `delete`;
/// - `failed/`: quarantined inputs, each with `<name>.reason.json`;
/// - `state/`: the content-hash ledger (`ledger/`), each instance's near-duplicate article store
///   (`articles-<instance>.idx`) and the metrics file.
public struct SpoolLayout: Sendable, Hashable {
    public var inbox: String
    public var work: String
    public var out: String
    public var done: String
    public var failed: String
    public var state: String

    /// The standard layout under one root folder.
    public init(root: String) {
        inbox = root + "/inbox"
        work = root + "/work"
        out = root + "/out"
        done = root + "/done"
        failed = root + "/failed"
        state = root + "/state"
    }

    /// This instance's claim folder.
    public func work(instance: String) -> String { work + "/" + instance }

    /// Creates any missing folder; fails if one cannot be created or written.
    public func prepare(instance: String) throws(FileError) {
        for folder in [inbox, work, work(instance: instance), out, done, failed, state] {
            try FileSystem.createFolder(folder)
            guard access(folder, W_OK | X_OK) == 0 else { throw FileError("write to", path: folder) }
        }
    }

    /// An instance's near-duplicate article store in `state/`. One file per instance: each appends only to its own,
    /// since appends from several hosts to one file are not atomic on NFS; every instance loads them all.
    public static func articleStoreName(instance: String) -> String { "articles-\(instance).idx" }

    public static func isArticleStore(_ name: String) -> Bool { name.hasPrefix("articles-") && name.hasSuffix(".idx") }

    /// Whether a name in the inbox is one to take: not hidden, not a temporary or partial upload.
    public static func isCandidate(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasSuffix("~") { return false }
        for suffix in [".tmp", ".part", ".partial", ".crdownload", ".swp", ".filepart"] where name.hasSuffix(suffix) {
            return false
        }
        return true
    }
}
