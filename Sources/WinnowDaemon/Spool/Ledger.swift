import WinnowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The content-hash ledger: which input contents were already turned into which output, and which are being
/// processed right now. Safe when several processes on several hosts share one `state/` folder over NFS.
///
/// A folder (`state/ledger/`) with one file per content hash, under the hash's first two hex digits:
///
///     ledger/ab/ab12…ef          "<output name>\t<input name>\n": this content was committed to that output
///     ledger/ab/ab12…ef.claim    a symbolic link to "<instance>\t<nonce>\t<input name>": being processed
///
/// There is no shared file to append to. A claim is created with `symlink`, which fails with `EEXIST` when the
/// name is taken: an atomic exclusive create on a local file system and on NFS (the server decides), carrying
/// its owner in the same step, so exactly one process wins each content. An entry is written whole to a hidden
/// file, `fsync`ed and renamed into place, so a reader sees none or all of it. A claim whose owner is dead (its
/// lease expired, say `isAlive`; or this instance's own claim from before a restart) is broken by renaming it
/// aside, checking that what was moved is the claim judged dead, and deleting it: of several processes
/// breaking one claim, one rename succeeds. Thread-safe.
public final class Ledger: Sendable {
    public struct Entry: Sendable, Equatable {
        public var output: String
        public var input: String

        public init(output: String, input: String) {
            self.output = output
            self.input = input
        }
    }

    public enum Reservation: Sendable, Equatable {
        /// Nobody has processed this content: the caller now owns it until `record` or `release`.
        case reserved
        /// Already processed (`output` names its output), or being processed (`output` is nil) for this input.
        case duplicate(of: String, output: String?)
    }

    public let folder: String
    private let instance: String
    /// Tells this process's claims from those of an earlier process of the same instance.
    private let nonce: String
    private let isAlive: @Sendable (String) -> Bool
    private let state: Locked<State>

    private struct State {
        var entries: [String: Entry] = [:]
        /// The hashes recorded when the ledger was opened and since (by name: their entries are read on demand).
        var recorded: Set<String> = []
        var brokenClaims = 0
    }

    /// Opens (or creates) the ledger folder. An old single-file ledger (`ledger.tsv`, one
    /// `<sha256>\t<output>\t<input>` line per input) at `importing` is moved into it once.
    ///
    /// - Parameters:
    ///   - instance: this process's instance name, written into its claims.
    ///   - isAlive: whether another instance still lives (the daemon asks its lease); its claims stand while it does.
    public init(
        folder: String,
        instance: String = defaultInstanceName(),
        isAlive: @escaping @Sendable (String) -> Bool = { _ in true },
        importing legacy: String? = nil
    ) throws(FileError) {
        self.folder = folder
        self.instance = instance
        self.nonce = "\(getpid())-\(monotonicNanoseconds())"
        self.isAlive = isAlive
        self.state = Locked(State())
        try FileSystem.createFolder(folder)
        if let legacy, FileSystem.exists(legacy) { try importLines(of: legacy) }
        var recorded: Set<String> = []
        for shard in try FileSystem.listFolder(folder) where shard.utf8.count == 2 {
            for name in try FileSystem.listFolder(folder + "/" + shard) where Self.isHash(name) { recorded.insert(name) }
        }
        state.withLock { $0.recorded = recorded }
    }

    /// How many contents the ledger records as committed (when it was opened, plus those recorded since here).
    public var count: Int { state.withLock { $0.recorded.count } }

    /// Whether a hash is recorded as committed: known from the opening listing or since, else asked of the folder
    /// (another process may have recorded it), without reading the entry.
    public func contains(sha256: String) -> Bool {
        if state.withLock({ $0.recorded.contains(sha256) }) { return true }
        guard Self.isHash(sha256), FileSystem.exists(entryPath(sha256)) else { return false }
        state.withLock { _ = $0.recorded.insert(sha256) }
        return true
    }

    /// How many dead processes' claims this process has broken.
    public var brokenClaims: Int { state.withLock { $0.brokenClaims } }

    /// The committed entry for a hash, if any (from any process sharing the folder).
    public func entry(sha256: String) -> Entry? {
        if let known = state.withLock({ $0.entries[sha256] }) { return known }
        guard Self.isHash(sha256), let bytes = try? FileSystem.readFile(entryPath(sha256)),
            let end = bytes.lastIndex(of: 0x0A), let tab = bytes[..<end].firstIndex(of: 0x09)
        else { return nil }
        let entry = Entry(
            output: String(decoding: bytes[..<tab], as: UTF8.self),
            input: String(decoding: bytes[(tab + 1)..<end], as: UTF8.self)
        )
        // Entries never change once written: remember it.
        state.withLock { s in
            s.entries[sha256] = entry
            s.recorded.insert(sha256)
        }
        return entry
    }

    /// Claims a content hash for `input`, or says which input already has it.
    public func reserve(sha256: String, input: String) throws(FileError) -> Reservation {
        let path = claimPath(sha256)
        let ours = claimTarget(input: input)
        // A handful of rounds: each lost round means another process changed the claim meanwhile.
        for _ in 0..<16 {
            if let entry = entry(sha256: sha256) { return .duplicate(of: entry.input, output: entry.output) }
            if symlink(ours, path) == 0 { return .reserved }
            switch errno {
            case ENOENT:
                try FileSystem.createFolder(FileSystem.split(path).folder)
                continue
            case EEXIST:
                break
            default:
                throw FileError("claim", path: path)
            }
            guard let held = readClaim(path) else { continue }  // released meanwhile
            if held.owner == instance && held.nonce == nonce { return .duplicate(of: held.input, output: nil) }
            if let entry = entry(sha256: sha256) { return .duplicate(of: entry.input, output: entry.output) }
            let dead = held.owner == instance || !isAlive(String(held.owner))
            guard dead else { return .duplicate(of: held.input, output: nil) }
            breakClaim(at: path, judged: held.target)
        }
        throw FileError("claim", path: path, code: EAGAIN)
    }

    /// Gives up a reservation (the input failed or will be retried).
    public func release(sha256: String) {
        removeOwnClaim(sha256)
    }

    /// Durably records that `sha256` was turned into `output`, then drops the claim.
    public func record(sha256: String, output: String, input: String) throws(FileError) {
        let clean = { (s: String) in s.replacing("\t", with: " ").replacing("\n", with: " ") }
        let line = Array("\(clean(output))\t\(clean(input))\n".utf8)
        try write(line, sha256: sha256)
        state.withLock { s in
            s.entries[sha256] = Entry(output: output, input: input)
            s.recorded.insert(sha256)
        }
        removeOwnClaim(sha256)
    }

    // MARK: Files

    private static func isHash(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private func entryPath(_ sha256: String) -> String { folder + "/" + sha256.prefix(2) + "/" + sha256 }
    private func claimPath(_ sha256: String) -> String { entryPath(sha256) + ".claim" }

    private func claimTarget(input: String) -> String {
        "\(instance)\t\(nonce)\t\(input.replacing("\t", with: " "))"
    }

    private func write(_ line: [UInt8], sha256: String) throws(FileError) {
        let path = entryPath(sha256)
        try FileSystem.createFolder(FileSystem.split(path).folder)
        try FileSystem.writeAtomically(line, to: path, temporaryTag: "\(instance)-\(nonce)")
    }

    private struct Claim {
        var target: String
        var owner: Substring
        var nonce: Substring
        var input: String
    }

    private func readClaim(_ path: String) -> Claim? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count)
        guard n > 0 else { return nil }
        let target = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = target.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return Claim(target: target, owner: "", nonce: "", input: target) }
        return Claim(target: target, owner: fields[0], nonce: fields[1], input: String(fields[2]))
    }

    /// Removes a dead process's claim. Renaming it aside first makes the removal exact: when several processes
    /// break one claim, one rename wins; and if what was moved is not the claim judged dead (a live process
    /// claimed the content in between), it is put back.
    private func breakClaim(at path: String, judged target: String) {
        let aside = path + ".broken-\(instance)-\(nonce)"
        guard rename(path, aside) == 0 else { return }
        if let moved = readClaim(aside), moved.target != target {
            _ = symlink(moved.target, path)
        } else {
            state.withLock { $0.brokenClaims += 1 }
        }
        _ = unlink(aside)
    }

    private func removeOwnClaim(_ sha256: String) {
        let path = claimPath(sha256)
        guard let held = readClaim(path), held.owner == instance, held.nonce == nonce else { return }
        _ = unlink(path)
    }

    /// Moves the lines of a single-file ledger into the folder, then renames the file `<name>.imported`.
    private func importLines(of path: String) throws(FileError) {
        let bytes = try FileSystem.readFile(path)
        let complete = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        for line in bytes[0..<complete].split(separator: 0x0A) {
            let fields = line.split(separator: 0x09, maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            let sha = String(decoding: fields[0], as: UTF8.self)
            guard Self.isHash(sha), !FileSystem.exists(entryPath(sha)) else { continue }
            try write(Array(fields[1]) + [0x0A], sha256: sha)
        }
        guard rename(path, path + ".imported") == 0 || errno == ENOENT else { throw FileError("rename", path: path) }
    }
}

private func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
