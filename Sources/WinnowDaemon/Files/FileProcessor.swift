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
    /// The input is unusable (empty, binary, corrupt gzip, nothing parsable).
    case input(InputError)
    /// Compressing the output failed.
    case compression(GzipError)

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
    public var gzip: Bool
    public var sha256: String
    public var inputBytes: Int
    public var outputBytes: Int
    public var seconds: Double
    public var issues: [ReadIssue]
}

/// Turns an input file into a `.jsonl.gz` output file: read, process, compress, write atomically.
public struct FileProcessor: Sendable {
    public var pipeline: Pipeline
    /// zlib level of the output.
    public var level: Int

    public init(configuration: PipelineConfiguration, level: Int = 6) {
        pipeline = Pipeline(configuration: configuration)
        self.level = level
    }

    /// Processes the input at `path` into the gzip-compressed JSON Lines file at `outputPath`.
    ///
    /// - Parameter sourceName: the name written into each record's `source.file`.
    public mutating func process(path: String, sourceName: String, outputPath: String, noFollow: Bool = false)
        throws(ProcessingError) -> FileOutcome
    {
        let start = monotonicSeconds()
        let bytes: [UInt8]
        do throws(FileError) {
            bytes = try FileSystem.readFile(path, noFollow: noFollow)
        } catch {
            throw .file(error)
        }
        let (processed, compressed) = try processInMemory(bytes, sourceName: sourceName)
        do throws(FileError) {
            try FileSystem.writeAtomically(compressed, to: outputPath)
        } catch {
            throw .file(error)
        }
        return FileOutcome(
            articles: processed.articles,
            format: processed.format,
            gzip: processed.gzip,
            sha256: processed.sha256,
            inputBytes: bytes.count,
            outputBytes: compressed.count,
            seconds: monotonicSeconds() - start,
            issues: processed.issues
        )
    }

    /// Processes bytes and compresses the records, without touching the file system.
    public mutating func processInMemory(_ bytes: [UInt8], sourceName: String) throws(ProcessingError)
        -> (ProcessedInput, [UInt8])
    {
        let processed: ProcessedInput
        do throws(InputError) {
            processed = try pipeline.process(bytes, sourceName: sourceName)
        } catch {
            throw .input(error)
        }
        do throws(GzipError) {
            return (processed, try GzipEncoder.compress(processed.jsonl, level: level))
        } catch {
            throw .compression(error)
        }
    }
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
