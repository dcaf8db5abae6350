import WinnowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The near-duplicate index on disk: an append-only file of segments, one per input, each naming the input by
/// its SHA-256 and holding its articles (`IndexedArticle.encode`, 152 bytes each).
///
///     "WDX2" | u32 article count | 32-byte input SHA-256 | articles | u32 CRC-32 of all before it
///
/// A segment is `fsync`ed before its input's output is committed. Which segments count is the caller's to say
/// when loading (the daemon: those whose input the ledger records as committed, so that an input replayed after
/// a crash does not find its own articles); of several segments of one input, the last counts. A torn segment at
/// the end (a crash in mid-write) is cut off. A store of an earlier version ("WDX1": signatures whose similarity
/// cannot be weighed against this version's) is moved aside to `<path>.v1` when opened for writing, and the
/// index starts afresh (`retiredPath` says so); read-only, it reads as empty. Thread-safe.
public final class DuplicateStore: Sendable {
    public let path: String
    private let fd: Locked<Int32>
    /// Another process's store: read, never cut or rewritten (its last segment may be half-written right now).
    private let readOnly: Bool

    private static let magic = Array("WDX2".utf8)
    private static let earlierMagic = Array("WDX1".utf8)
    /// Where a store of an earlier version found at `path` was moved to, if one was.
    public let retiredPath: String?
    private static let headerSize = 4 + 4 + 32

    /// A segment read back.
    public struct Segment: Sendable {
        public var sha256: String
        public var articles: [IndexedArticle]
    }

    /// Opens (or creates) the store and reads its complete segments.
    public init(path: String, readOnly: Bool = false) throws(FileError) {
        self.path = path
        self.readOnly = readOnly
        if !readOnly, Self.isEarlierVersion(path) {
            try FileSystem.move(path, to: path + ".v1")
            retiredPath = path + ".v1"
        } else {
            retiredPath = nil
        }
        let fd = readOnly ? open(path, O_RDONLY | O_CLOEXEC) : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("open", path: path) }
        self.fd = Locked(fd)
    }

    /// Whether the file at `path` begins as a store of an earlier version does.
    private static func isEarlierVersion(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 4)
        return read(fd, &head, 4) == 4 && head == earlierMagic
    }

    deinit {
        fd.withLock { _ = close($0) }
    }

    /// The complete segments, in order; a torn or damaged tail is cut off the file.
    public func segments() throws(FileError) -> [Segment] {
        let bytes = try FileSystem.readFile(path)
        var segments: [Segment] = []
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while let (segment, next) = Self.segment(raw, at: offset) {
                segments.append(segment)
                offset = next
            }
        }
        if offset < bytes.count && !readOnly {
            try fd.withLock { fd throws(FileError) in
                guard ftruncate(fd, off_t(offset)) == 0, fsync(fd) == 0 else { throw FileError("truncate", path: path) }
            }
        }
        return segments
    }

    /// The segment at `offset`, and where the next one starts; nil when none is complete and intact there.
    private static func segment(_ raw: UnsafeRawBufferPointer, at offset: Int) -> (Segment, Int)? {
        guard raw.count - offset >= headerSize + 4, Array(raw[offset..<(offset + 4)]) == magic else { return nil }
        let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        let end = offset + headerSize + count * IndexedArticle.encodedSize
        guard end + 4 <= raw.count else { return nil }
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: end, as: UInt32.self))
        guard crc32(UnsafeRawBufferPointer(rebasing: raw[offset..<end])) == stored else { return nil }
        let sha = hexString(raw[(offset + 8)..<(offset + 40)])
        var articles: [IndexedArticle] = []
        articles.reserveCapacity(count)
        for k in 0..<count {
            let at = offset + headerSize + k * IndexedArticle.encodedSize
            articles.append(IndexedArticle(decoding: UnsafeRawBufferPointer(rebasing: raw[at..<(at + IndexedArticle.encodedSize)])))
        }
        return (Segment(sha256: sha, articles: articles), end + 4)
    }

    /// Appends one input's articles and makes them durable.
    public func append(sha256: String, articles: [IndexedArticle]) throws(FileError) {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + articles.count * IndexedArticle.encodedSize + 4)
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: UInt32(articles.count) >> UInt32(8 * k))) }
        bytes += Self.shaBytes(sha256)
        for article in articles { article.encode(into: &bytes) }
        let crc = bytes.withUnsafeBytes { crc32($0) }
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt32(8 * k))) }
        try fd.withLock { fd throws(FileError) in
            let end = lseek(fd, 0, SEEK_END)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written != bytes.count {
                let code = written < 0 ? errno : ENOSPC
                // Cut what was written, so that the file stays a run of whole segments.
                _ = ftruncate(fd, end)
                throw FileError("append to", path: path, code: code)
            }
            guard fsync(fd) == 0 else { throw FileError("sync", path: path) }
        }
    }

    /// Rewrites the store with only these segments (atomically: a new file renamed over the old one).
    public func rewrite(_ segments: [Segment], temporaryTag: String? = nil) throws(FileError) {
        var bytes: [UInt8] = []
        for segment in segments {
            var part = Self.magic
            for k in 0..<4 { part.append(UInt8(truncatingIfNeeded: UInt32(segment.articles.count) >> UInt32(8 * k))) }
            part += Self.shaBytes(segment.sha256)
            for article in segment.articles { article.encode(into: &part) }
            let crc = part.withUnsafeBytes { crc32($0) }
            for k in 0..<4 { part.append(UInt8(truncatingIfNeeded: crc >> UInt32(8 * k))) }
            bytes += part
        }
        try FileSystem.writeAtomically(bytes, to: path, temporaryTag: temporaryTag)
        let fresh = open(path, O_RDWR | O_CLOEXEC)
        guard fresh >= 0 else { throw FileError("open", path: path) }
        fd.withLock { fd in
            close(fd)
            fd = fresh
        }
    }

    private static func shaBytes(_ sha256: String) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        let digits = Array(sha256.utf8)
        for i in 0..<min(32, digits.count / 2) {
            func value(_ c: UInt8) -> UInt8 { c >= UInt8(ascii: "a") ? c - UInt8(ascii: "a") + 10 : c - UInt8(ascii: "0") }
            bytes[i] = value(digits[2 * i]) << 4 | value(digits[2 * i + 1])
        }
        return bytes
    }

    /// Loads the segments that count into `index`: the last one of each input `counts` accepts, in file order,
    /// the most recent `index.configuration.capacity` articles. Rewrites the file when most of it is segments
    /// that no longer count (replaced, uncommitted or forgotten).
    ///
    /// - Returns: how many articles were loaded.
    @discardableResult
    public func load(into index: DuplicateIndex, counts: (String) -> Bool, temporaryTag: String? = nil) throws(FileError) -> Int {
        let all = try segments()
        var last: [String: Int] = [:]
        for (i, segment) in all.enumerated() where counts(segment.sha256) { last[segment.sha256] = i }
        var kept = all.indices.filter { last[all[$0].sha256] == $0 }.map { all[$0] }
        // The most recent articles that fit.
        var total = kept.reduce(0) { $0 + $1.articles.count }
        while total > index.configuration.capacity, let first = kept.first {
            total -= first.articles.count
            kept.removeFirst()
        }
        for segment in kept {
            for article in segment.articles { index.insert(article) }
        }
        let stored = all.reduce(0) { $0 + $1.articles.count }
        if stored > 2 * max(total, 1024) && !readOnly { try rewrite(kept, temporaryTag: temporaryTag) }
        return total
    }
}
