#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import WinnowCore

/// Why one input file could not be processed.
public enum ProcessingError: Error, CustomStringConvertible, Sendable {
    /// The file could not be read or the output could not be written.
    case file(FileError)
    /// The input is unusable (empty, binary, a corrupt gzip or zstd stream, nothing parsable).
    case input(InputError)
    /// Compressing the output failed.
    case compression(CompressionError)

    public var description: String {
        switch self {
        case .file(let error): return error.description
        case .input(let error): return error.description
        case .compression(let error): return "compressing the output: \(error)"
        }
    }

    /// Whether retrying later may succeed (the input itself is not at fault).
    public var isTransient: Bool {
        if case .file(let error) = self { return error.isTransient }
        return false
    }

    /// Classifies what the streaming pipeline (or its source or sink) threw.
    init(_ error: any Error, path: String) {
        switch error {
        case let error as InputError: self = .input(error)
        case let error as FileError: self = .file(error)
        case let error as CompressionError: self = .compression(error)
        default: self = .file(FileError("process", path: path, code: EIO))
        }
    }

    /// A short stable name for metrics and reason files.
    public var kind: String {
        switch self {
        case .file(let error): return error.isTransient ? "io-transient" : "io"
        case .input(let error): return error.kind
        case .compression: return "compression"
        }
    }
}

/// What processing one file produced.
public struct FileOutcome: Sendable {
    public var articles: Int
    public var format: InputFormat
    /// The input's container (gzip, zstd or none).
    public var compression: Compression
    public var sha256: String
    public var inputBytes: Int
    public var outputBytes: Int
    public var seconds: Double
    /// The first skipped parts (see `issueCount` for all).
    public var issues: [ReadIssue]
    public var issueCount: Int
    /// Web archive records of other types, by type.
    public var skippedRecords: [String: Int] = [:]
    /// Records written, by language, and articles left out for their language.
    public var tally = ArticleTally()
}

/// Turns an input file into a `.jsonl.gz` (or `.jsonl.zst`) output file in bounded memory: hash, stream
/// through the pipeline in chunks (one gzip member or zstd frame each), write atomically.
public struct FileProcessor: Sendable {
    public var streaming: StreamingPipeline

    public var codec: OutputCodec { streaming.codec }

    public init(configuration: PipelineConfiguration, codec: OutputCodec = .gzip, parallelism: Int = 1) {
        streaming = StreamingPipeline(configuration: configuration, codec: codec, parallelism: parallelism)
    }

    /// Processes the input at `path` into the compressed JSON Lines file at `outputPath`.
    ///
    /// - Parameters:
    ///   - sourceName: the name written into each record's `source.file`.
    ///   - syncingFolder: `fsync` the output folder after the rename (see `AtomicFileWriter.commit`).
    ///   - duplicates: where repeated articles are looked up (nil: none is).
    public func process(
        path: String,
        sourceName: String,
        outputPath: String,
        noFollow: Bool = false,
        temporaryTag: String? = nil,
        syncingFolder: Bool = true,
        duplicates: DuplicateSession? = nil
    ) throws(ProcessingError) -> FileOutcome
    {
        let start = monotonicSeconds()
        let (folder, name) = FileSystem.split(outputPath)
        let source: FileSource
        let sha: String
        let writer: AtomicFileWriter
        do {
            source = try FileSource(path: path, noFollow: noFollow)
            sha = try source.sha256()
            writer = try AtomicFileWriter(folder: folder, name: name, temporaryTag: temporaryTag)
        } catch {
            throw .file(error)
        }
        let outcome = try stream(source, sourceName: sourceName, sha256: sha, duplicates: duplicates) { member throws(FileError) in
            try writer.write(member)
        }
        do {
            try writer.commit(as: name, syncingFolder: syncingFolder)
        } catch {
            throw .file(error)
        }
        return FileOutcome(
            articles: outcome.articles,
            format: outcome.format,
            compression: outcome.compression,
            sha256: sha,
            inputBytes: outcome.inputBytes,
            outputBytes: outcome.outputBytes,
            seconds: monotonicSeconds() - start,
            issues: outcome.issues,
            issueCount: outcome.issueCount,
            skippedRecords: outcome.skippedRecords,
            tally: outcome.tally
        )
    }

    /// Streams an open file through the pipeline, handing each output piece to `write`.
    public func stream(
        _ source: FileSource,
        sourceName: String,
        sha256: String,
        duplicates: DuplicateSession? = nil,
        write: ([UInt8]) throws(FileError) -> Void
    ) throws(ProcessingError) -> StreamOutcome {
        var reading = source
        do {
            return try streaming.run(&reading, sourceName: sourceName, sha256: sha256, duplicates: duplicates) { member in try write(member) }
        } catch {
            throw ProcessingError(error, path: source.path)
        }
    }

    /// Processes bytes and compresses the records, without touching the file system (whole input in memory).
    public func processInMemory(_ bytes: [UInt8], sourceName: String, duplicates: DuplicateSession? = nil) throws(ProcessingError)
        -> (StreamOutcome, [UInt8])
    {
        var source = MemorySource(bytes)
        var output: [UInt8] = []
        do {
            let outcome = try streaming.run(&source, sourceName: sourceName, sha256: SHA256.hex(bytes), duplicates: duplicates) {
                output.append(contentsOf: $0)
            }
            return (outcome, output)
        } catch {
            throw ProcessingError(error, path: sourceName)
        }
    }
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
