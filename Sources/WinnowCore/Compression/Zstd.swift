import CZstd

/// An error while reading a Zstandard stream.
public enum ZstdError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The stream ended inside a frame.
    case truncated(offset: Int)
    /// The bytes are not valid Zstandard data (or a frame's checksum does not match).
    case corrupt(offset: Int, reason: String)
    /// Bytes that are not a Zstandard frame follow the last frame.
    case trailingGarbage(offset: Int)
    /// Decompressing would produce more than the configured limit.
    case outputLimitExceeded(limit: Int)
    /// Decompressing would expand the input more than the configured ratio allows.
    case expansionRatioExceeded(ratio: Int, compressedOffset: Int)
    /// zstd could not allocate its state.
    case outOfMemory

    public var description: String {
        switch self {
        case .truncated(let offset):
            return "zstd stream is truncated: it ends at compressed byte \(offset) in the middle of a frame"
        case .corrupt(let offset, let reason):
            return "zstd stream is corrupt at compressed byte \(offset): \(reason)"
        case .trailingGarbage(let offset):
            return "unexpected non-zstd bytes after the last zstd frame at compressed byte \(offset)"
        case .outputLimitExceeded(let limit):
            return "zstd stream decompresses to more than the limit of \(limit) bytes (max-decompressed-bytes)"
        case .expansionRatioExceeded(let ratio, let offset):
            return
                "zstd stream expands more than \(ratio)x (max-expansion-ratio) by compressed byte \(offset); refusing a likely decompression bomb"
        case .outOfMemory:
            return "zstd could not allocate its decompression state"
        }
    }
}

/// Decompresses a Zstandard stream fed in pieces, including several concatenated frames (as Winnow writes one
/// per chunk, and `zstd` itself concatenates), with the same limits on output size and expansion ratio as
/// `GzipInflater`.
public final class ZstdInflater {
    private let stream: OpaquePointer
    private var scratch: [UInt8]
    public let limits: InflateLimits
    /// Compressed bytes consumed so far.
    public private(set) var consumed = 0
    /// Bytes produced so far.
    public private(set) var produced = 0
    /// Inside a frame (its header seen, its end not yet).
    private var inFrame = false
    private var frames = 0

    public init(limits: InflateLimits = InflateLimits()) throws(ZstdError) {
        guard let stream = ZSTD_createDStream() else { throw .outOfMemory }
        ZSTD_initDStream(stream)
        self.stream = stream
        scratch = [UInt8](unzeroedCount: ZSTD_DStreamOutSize())
        self.limits = limits
    }

    deinit { ZSTD_freeDStream(stream) }

    /// Decompresses `input` (the next compressed bytes), handing each piece of output to `sink`.
    public func inflate(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        var source = ZSTD_inBuffer(src: base, size: input.count, pos: 0)
        while true {
            let before = source.pos
            var count = 0
            let hint = scratch.withUnsafeMutableBytes { buffer in
                var target = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                defer { count = target.pos }
                return ZSTD_decompressStream(stream, &target, &source)
            }
            consumed += source.pos - before
            if ZSTD_isError(hint) != 0 {
                // At a frame boundary after a whole frame: what follows is not a frame.
                if !inFrame && frames > 0 { throw ZstdError.trailingGarbage(offset: consumed) }
                throw ZstdError.corrupt(offset: consumed, reason: String(cString: ZSTD_getErrorName(hint)))
            }
            produced += count
            if produced > limits.maxOutputBytes { throw ZstdError.outputLimitExceeded(limit: limits.maxOutputBytes) }
            if produced > limits.ratioGrace, produced / max(consumed, 1) > limits.maxExpansionRatio {
                throw ZstdError.expansionRatioExceeded(ratio: limits.maxExpansionRatio, compressedOffset: consumed)
            }
            if count > 0 { try scratch.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) } }
            // 0: a frame is complete and flushed.
            inFrame = hint != 0
            if hint == 0 { frames += 1 }
            // All input taken: done once a call gives nothing more (zstd may flush a block over several calls).
            if source.pos == source.size && (count == 0 || hint == 0) { return }
        }
    }

    /// Checks that the stream ended at the end of a frame.
    public func finish() throws(ZstdError) {
        if inFrame || frames == 0 { throw .truncated(offset: consumed) }
    }
}

/// Decompresses Zstandard data held in memory.
public enum ZstdDecoder {
    /// Decompresses a whole Zstandard stream (one frame or several).
    public static func decompress(_ input: UnsafeRawBufferPointer, limits: InflateLimits = InflateLimits())
        throws(ZstdError) -> [UInt8]
    {
        var output: [UInt8] = []
        output.reserveCapacity(min(input.count * 4, 1 << 30))
        let inflater = try ZstdInflater(limits: limits)
        do {
            try inflater.inflate(input) { output.append(contentsOf: $0) }
        } catch let error as ZstdError {
            throw error
        } catch {
            throw .corrupt(offset: inflater.consumed, reason: "\(error)")
        }
        try inflater.finish()
        return output
    }
}
