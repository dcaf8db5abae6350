import ArgumentParser
import WinnowCore

extension Compression: ExpressibleByArgument {}

/// The output codec options of `process` and `bench`.
struct CompressionOptions: ParsableArguments {
    @Option(help: "Output compression: gzip (.jsonl.gz, through libdeflate) or zstd (.jsonl.zst).")
    var compression: Compression = .gzip

    @Option(help: "Compression level: gzip 0-12 (default 6), zstd 1-22 (default 3).")
    var level: Int?

    func validate() throws {
        guard compression != .none else { throw ValidationError("--compression must be gzip or zstd") }
        let levels = OutputCodec.levels(compression)
        if let level, !levels.contains(level) {
            throw ValidationError("--level for \(compression.rawValue) must be between \(levels.lowerBound) and \(levels.upperBound)")
        }
    }

    var codec: OutputCodec { OutputCodec(compression, level: level) }
}
