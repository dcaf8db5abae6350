import WinnowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The content-hash ledger: which input contents were already turned into which output.
///
/// An append-only text file (`state/ledger.tsv`), one line per processed input:
/// `<sha256>\t<output name>\t<input name>\n`, `fsync`ed after each append. A torn last line (a crash in
/// the middle of a write) is ignored and cut off when the ledger is opened. Thread-safe.
public final class Ledger: Sendable {
    public struct Entry: Sendable, Equatable {
        public var output: String
        public var input: String

        public init(output: String, input: String) {
            self.output = output
            self.input = input
        }
    }

    private struct State {
        var fd: Int32
        var entries: [String: Entry]
        /// Hashes being processed right now, with the input that claimed them.
        var inProgress: [String: String]
    }

    private let state: Locked<State>
    public let path: String

    /// Opens (or creates) the ledger at `path` and loads it.
    public init(path: String) throws(FileError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("open", path: path) }
        var entries: [String: Entry] = [:]
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(path)
        } catch {
            close(fd)
            throw error
        }
        // Keep whole lines only; a torn tail is truncated away so the next append starts cleanly.
        let complete = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        for line in bytes[0..<complete].split(separator: 0x0A) {
            let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
            guard fields.count >= 3, fields[0].count == 64 else { continue }
            let sha = String(decoding: fields[0], as: UTF8.self)
            entries[sha] = Entry(
                output: String(decoding: fields[1], as: UTF8.self),
                input: String(decoding: fields[2], as: UTF8.self)
            )
        }
        if complete < bytes.count {
            _ = ftruncate(fd, off_t(complete))
            _ = fsync(fd)
        }
        lseek(fd, 0, SEEK_END)
        state = Locked(State(fd: fd, entries: entries, inProgress: [:]))
    }

    deinit {
        _ = state.withLock { close($0.fd) }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    public enum Reservation: Sendable, Equatable {
        /// Nobody has processed this content: the caller now owns it until `record` or `release`.
        case reserved
        /// Already processed, or being processed, for this input.
        case duplicate(of: String, output: String?)
    }

    /// Claims a content hash for `input`, or says which input already has it.
    public func reserve(sha256: String, input: String) -> Reservation {
        state.withLock { s in
            if let entry = s.entries[sha256] { return .duplicate(of: entry.input, output: entry.output) }
            if let other = s.inProgress[sha256] { return .duplicate(of: other, output: nil) }
            s.inProgress[sha256] = input
            return .reserved
        }
    }

    /// Gives up a reservation (the input failed or will be retried).
    public func release(sha256: String) {
        state.withLock { _ = $0.inProgress.removeValue(forKey: sha256) }
    }

    /// The entry for a hash, if it was recorded.
    public func entry(sha256: String) -> Entry? {
        state.withLock { $0.entries[sha256] }
    }

    /// Durably records that `sha256` was turned into `output`.
    public func record(sha256: String, output: String, input: String) throws(FileError) {
        let clean = { (s: String) in s.replacing("\t", with: " ").replacing("\n", with: " ") }
        let line = Array("\(sha256)\t\(clean(output))\t\(clean(input))\n".utf8)
        let failure: Int32 = state.withLock { s in
            let written = line.withUnsafeBytes { write(s.fd, $0.baseAddress, $0.count) }
            if written != line.count {
                let code = written < 0 ? errno : ENOSPC
                // Cut a partial line so the ledger stays parseable.
                let end = lseek(s.fd, 0, SEEK_END)
                if written > 0 { _ = ftruncate(s.fd, end - off_t(written)) }
                lseek(s.fd, 0, SEEK_END)
                return code
            }
            guard fsync(s.fd) == 0 else { return errno }
            s.entries[sha256] = Entry(output: output, input: input)
            s.inProgress.removeValue(forKey: sha256)
            return 0
        }
        if failure != 0 { throw FileError("append to", path: path, code: failure) }
    }
}
