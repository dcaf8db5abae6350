import WinnowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a batch task says it did with one input: a line of `OUT/_manifest/<shard>.jsonl`.
public struct ManifestEntry: Sendable, Equatable {
    public enum Status: String, Sendable {
        case processed, skipped, failed
    }

    /// The input's path relative to the folder given (or its file name).
    public var input: String
    /// The output's path relative to the output folder.
    public var output: String?
    public var sha256: String?
    public var articles: Int?
    public var bytesIn: Int?
    public var bytesOut: Int?
    public var status: Status
    public var error: String?
    /// The manifest it was read from (`shard-I-of-N`); not written.
    public var shard = ""

    public init(input: String, status: Status) {
        self.input = input
        self.status = status
    }

    public var json: [UInt8] {
        var out = JSONWriter(capacity: 256)
        out.beginObject()
        out.key("input")
        out.string(input)
        out.key("status")
        out.string(status.rawValue)
        if let output {
            out.key("output")
            out.string(output)
        }
        if let sha256 {
            out.key("sha256")
            out.string(sha256)
        }
        for (key, value) in [("articles", articles), ("bytes_in", bytesIn), ("bytes_out", bytesOut)] {
            if let value {
                out.key(dynamic: key)
                out.int(value)
            }
        }
        if let error {
            out.key("error")
            out.string(error)
        }
        out.endObject()
        out.bytes.append(0x0A)
        return out.bytes
    }

    /// Parses a line written by `json`; nil for anything else.
    public init?(line: UnsafeRawBufferPointer) {
        guard let fields = try? JSONLineParser(maxDepth: 4).parseObject(line) else { return nil }
        func string(_ key: String) -> String? {
            guard case .string(let bytes)? = fields.first(where: { $0.key == key })?.value else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        func int(_ key: String) -> Int? {
            guard case .number(let text)? = fields.first(where: { $0.key == key })?.value else { return nil }
            return Int(text)
        }
        guard let input = string("input"), let status = string("status").flatMap(Status.init(rawValue:)) else { return nil }
        self.init(input: input, status: status)
        output = string("output")
        sha256 = string("sha256")
        articles = int("articles")
        bytesIn = int("bytes_in")
        bytesOut = int("bytes_out")
        error = string("error")
    }

    /// Every entry of the manifests in `folder/_manifest/`, by file name order.
    public static func read(outputFolder folder: String) throws(FileError) -> [ManifestEntry] {
        let manifests = folder + "/" + BatchLayout.manifests
        guard FileSystem.isFolder(manifests) else { return [] }
        var entries: [ManifestEntry] = []
        for name in try FileSystem.listFolder(manifests).sorted() where name.hasSuffix(".jsonl") {
            let bytes = try FileSystem.readFile(manifests + "/" + name)
            bytes.withUnsafeBytes { raw in
                var start = 0
                for i in 0..<raw.count where raw[i] == 0x0A {
                    if var entry = ManifestEntry(line: UnsafeRawBufferPointer(rebasing: raw[start..<i])) {
                        entry.shard = String(name.dropLast(".jsonl".count))
                        entries.append(entry)
                    }
                    start = i + 1
                }
            }
        }
        return entries
    }
}

/// Where a batch run keeps its bookkeeping, beside the outputs.
public enum BatchLayout {
    /// `_manifest/<shard>.jsonl`: what each task did, written atomically at its end.
    public static let manifests = "_manifest"
    /// `_signatures/<shard>.idx`: each task's articles' near-duplicate signatures, by input (DuplicateStore).
    public static let signatures = "_signatures"
    /// `_dedup/duplicates.jsonl`: what `winnow dedup` found.
    public static let dedup = "_dedup"
}

/// Reading back an output file.
public enum OutputFile {
    /// The `source.sha256` of the output's first record: the SHA-256 of the input it was made from. Nil when the
    /// file cannot be read, holds no record, or is not a Winnow output.
    public static func firstRecordSHA256(_ path: String) -> String? {
        guard let source = try? FileSource(path: path) else { return nil }
        var head: [UInt8] = []
        var raw = [UInt8](unzeroedCount: 64 * 1024)
        // Enough of the file to hold the first record's start.
        while head.count < 1 << 20 {
            guard let n = try? raw.withUnsafeMutableBytes({ try source.read(into: $0) }), n > 0 else { break }
            head += raw[0..<n]
        }
        var text: [UInt8] = []
        head.withUnsafeBytes { bytes in
            let sink: (UnsafeRawBufferPointer) throws -> Void = { text += $0 }
            switch Compression.detect(bytes) {
            case .gzip: try? GzipInflater(limits: .unlimited).inflate(bytes, sink: sink)
            case .zstd: try? ZstdInflater(limits: .unlimited).inflate(bytes, sink: sink)
            case .none: text = head
            }
        }
        let key = Array(#""sha256":""#.utf8)
        guard let start = text.firstRange(of: key)?.upperBound, start + 64 <= text.count else { return nil }
        let digest = text[start..<(start + 64)]
        guard digest.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return String(decoding: digest, as: UTF8.self)
    }

    /// Rewrites a compressed output without the records whose id is in `ids`, atomically, in the same codec (at
    /// its default level); returns how many records went. A file with none of them is left as it is.
    public static func removeRecords(_ ids: Set<String>, from path: String) throws(FileError) -> Int {
        let stored = try FileSystem.readFile(path)
        guard let decoded = try? stored.withUnsafeBytes({ try DecodedInput.decode($0, limits: .unlimited) }) else {
            throw FileError("decompress", path: path, code: EIO)
        }
        let compression = decoded.compression
        let plain = decoded.bytes ?? stored
        var kept: [UInt8] = []
        kept.reserveCapacity(plain.count)
        var removed = 0
        var start = 0
        let prefix = Array(#"{"id":""#.utf8)
        while start < plain.count {
            let end = plain[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? plain.count
            let line = plain[start..<end]
            var drop = false
            if line.starts(with: prefix), line.count >= prefix.count + 32 {
                let id = String(decoding: line.dropFirst(prefix.count).prefix(32), as: UTF8.self)
                drop = ids.contains(id)
            }
            if drop { removed += 1 } else { kept += line }
            start = end
        }
        guard removed > 0 else { return 0 }
        let output: [UInt8]
        do {
            output = compression == .none ? kept : try OutputCodec(compression).compress(kept)
        } catch {
            throw FileError("compress", path: path, code: EIO)
        }
        try FileSystem.writeAtomically(output, to: path)
        return removed
    }
}
