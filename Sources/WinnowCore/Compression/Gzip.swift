import CZlib

/// An error from zlib while reading or writing gzip data.
public enum GzipError: Error, Equatable, CustomStringConvertible {
    /// The compressed stream ended before the end of a gzip member.
    case truncated(offset: Int)
    /// The compressed bytes are not valid deflate/gzip data.
    case corrupt(offset: Int, reason: String)
    /// Bytes that are not a gzip member follow the last member.
    case trailingGarbage(offset: Int)
    /// Decompressing would produce more than the configured limit.
    case outputLimitExceeded(limit: Int)
    /// Decompressing would expand the input more than the configured ratio allows.
    case expansionRatioExceeded(ratio: Int, compressedOffset: Int)
    /// zlib could not allocate its state or reported an internal error.
    case zlib(code: Int32, message: String)

    public var description: String {
        switch self {
        case .truncated(let offset):
            return "gzip stream is truncated: it ends at compressed byte \(offset) in the middle of a member"
        case .corrupt(let offset, let reason):
            return "gzip stream is corrupt at compressed byte \(offset): \(reason)"
        case .trailingGarbage(let offset):
            return "unexpected non-gzip bytes after the last gzip member at compressed byte \(offset)"
        case .outputLimitExceeded(let limit):
            return "gzip stream inflates to more than the limit of \(limit) bytes (max-decompressed-bytes)"
        case .expansionRatioExceeded(let ratio, let offset):
            return
                "gzip stream expands more than \(ratio)x (max-expansion-ratio) by compressed byte \(offset); refusing a likely decompression bomb"
        case .zlib(let code, let message):
            return "zlib error \(code): \(message)"
        }
    }
}

/// Limits applied while inflating untrusted gzip input.
public struct InflateLimits: Sendable, Hashable {
    /// The most bytes the whole input may inflate to.
    public var maxOutputBytes: Int
    /// The largest allowed ratio of output to input bytes, checked once the output exceeds `ratioGrace`.
    public var maxExpansionRatio: Int
    /// Output below this size is never refused for its ratio (tiny files compress extremely well).
    public var ratioGrace: Int

    public init(maxOutputBytes: Int = 8 << 30, maxExpansionRatio: Int = 200, ratioGrace: Int = 64 << 20) {
        self.maxOutputBytes = maxOutputBytes
        self.maxExpansionRatio = maxExpansionRatio
        self.ratioGrace = ratioGrace
    }

    public static let unlimited = InflateLimits(maxOutputBytes: .max, maxExpansionRatio: .max, ratioGrace: .max)
}

/// Whether `bytes` start with the gzip magic number `1f 8b`.
@inlinable
public func hasGzipMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Owns one zlib stream; zlib needs the `z_stream` at a stable address, hence the class and pointer.
final class ZStream {
    enum Mode { case deflate, inflate }

    let stream: UnsafeMutablePointer<z_stream>
    let mode: Mode

    init(deflateLevel level: Int32) throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        mode = .deflate
        // 15 + 16: a 32 KiB window with a gzip wrapper; zlib writes mtime 0 and a fixed OS byte.
        let rc = CZlib_deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            stream.deallocate()
            throw .zlib(code: rc, message: "deflateInit2 failed")
        }
    }

    init(inflate: Void) throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        mode = .inflate
        // 15 + 16: gzip only, so that plain zlib data is reported rather than silently accepted.
        let rc = CZlib_inflateInit2(stream, 15 + 16)
        guard rc == Z_OK else {
            stream.deallocate()
            throw .zlib(code: rc, message: "inflateInit2 failed")
        }
    }

    deinit {
        switch mode {
        case .deflate: deflateEnd(stream)
        case .inflate: inflateEnd(stream)
        }
        stream.deallocate()
    }

    var message: String {
        stream.pointee.msg.map { String(cString: $0) } ?? "unknown error"
    }
}

/// Compresses bytes into gzip members.
///
/// The output is deterministic: zlib writes a header with mtime 0, no name and the same OS byte on every run.
public struct GzipEncoder: ~Copyable {
    private let z: ZStream
    private var scratch: [UInt8]

    /// - Parameter level: zlib compression level, 0 (store) to 9 (best).
    public init(level: Int = 6) throws(GzipError) {
        z = try ZStream(deflateLevel: Int32(max(0, min(9, level))))
        scratch = [UInt8](unzeroedCount: 64 * 1024)
    }

    /// Compresses `input` and appends the compressed bytes to `output`.
    public mutating func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(GzipError) {
        try run(input, flush: Z_NO_FLUSH, into: &output)
    }

    /// Ends the current gzip member (trailer with CRC and size) and resets for a new member.
    public mutating func finishMember(into output: inout [UInt8]) throws(GzipError) {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH, into: &output)
        deflateReset(z.stream)
    }

    private mutating func run(_ input: UnsafeRawBufferPointer, flush: Int32, into output: inout [UInt8])
        throws(GzipError)
    {
        let stream = z.stream
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(input.count)
        var result: Int32 = Z_OK
        let capacity = scratch.count
        repeat {
            let produced: Int = scratch.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(capacity)
                result = deflate(stream, flush)
                return capacity - Int(stream.pointee.avail_out)
            }
            if result == Z_STREAM_ERROR {
                throw .zlib(code: result, message: z.message)
            }
            output.append(contentsOf: scratch[0..<produced])
        } while stream.pointee.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END)
    }

    /// Compresses `input` as one complete gzip member.
    public static func compress(_ input: [UInt8], level: Int = 6) throws(GzipError) -> [UInt8] {
        var encoder = try GzipEncoder(level: level)
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 3 + 64)
        let result = input.withUnsafeBytes { buffer in
            Result { () throws(GzipError) in try encoder.compress(buffer, into: &output) }
        }
        try result.get()
        try encoder.finishMember(into: &output)
        return output
    }
}

/// Inflates a gzip stream fed in pieces, including several concatenated members (as `gzip`, pigz and
/// bgzip write), with limits on output size and expansion ratio.
public final class GzipInflater {
    private let z: ZStream
    private var scratch: [UInt8]
    public let limits: InflateLimits
    /// Compressed bytes consumed so far.
    public private(set) var consumed = 0
    /// Bytes produced so far.
    public private(set) var produced = 0
    private var inMember = true
    private var finishedMember = false

    public init(limits: InflateLimits = InflateLimits()) throws(GzipError) {
        z = try ZStream(inflate: ())
        scratch = [UInt8](unzeroedCount: 256 * 1024)
        self.limits = limits
    }

    /// Inflates `input` (the next compressed bytes), handing each piece of output to `sink`.
    public func inflate(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        let stream = z.stream
        var offset = 0
        while offset < input.count {
            if !inMember {
                // Between members: zero padding is ignored, anything else must be a new member.
                let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
                if rest.allSatisfy({ $0 == 0 }) {
                    consumed += rest.count
                    return
                }
                guard rest[0] == 0x1f, rest.count < 2 || rest[1] == 0x8b else { throw GzipError.trailingGarbage(offset: consumed) }
                inflateReset(stream)
                inMember = true
            }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = UInt32(clamping: input.count - offset)
            let before = Int(stream.pointee.avail_in)
            var rc: Int32 = Z_OK
            var count = 0
            scratch.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(buffer.count)
                rc = CZlib.inflate(stream, Z_NO_FLUSH)
                count = buffer.count - Int(stream.pointee.avail_out)
            }
            let used = before - Int(stream.pointee.avail_in)
            offset += used
            consumed += used
            produced += count
            if produced > limits.maxOutputBytes { throw GzipError.outputLimitExceeded(limit: limits.maxOutputBytes) }
            if produced > limits.ratioGrace, produced / max(consumed, 1) > limits.maxExpansionRatio {
                throw GzipError.expansionRatioExceeded(ratio: limits.maxExpansionRatio, compressedOffset: consumed)
            }
            if count > 0 { try scratch.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) } }
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                if used == 0 && count == 0 { return }  // needs more input
            case Z_STREAM_END:
                inMember = false
                finishedMember = true
            case Z_DATA_ERROR, Z_STREAM_ERROR, Z_NEED_DICT:
                throw GzipError.corrupt(offset: consumed, reason: z.message)
            case Z_MEM_ERROR:
                throw GzipError.zlib(code: rc, message: "out of memory")
            default:
                throw GzipError.zlib(code: rc, message: z.message)
            }
        }
        // Drain output zlib still holds for the input already given.
        while inMember {
            var rc: Int32 = Z_OK
            var count = 0
            stream.pointee.avail_in = 0
            scratch.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = UInt32(buffer.count)
                rc = CZlib.inflate(stream, Z_NO_FLUSH)
                count = buffer.count - Int(stream.pointee.avail_out)
            }
            produced += count
            if produced > limits.maxOutputBytes { throw GzipError.outputLimitExceeded(limit: limits.maxOutputBytes) }
            if count > 0 { try scratch.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) } }
            if rc == Z_STREAM_END {
                inMember = false
                finishedMember = true
                break
            }
            if count == 0 || rc != Z_OK { break }
        }
    }

    /// Checks that the stream ended at the end of a member.
    public func finish() throws(GzipError) {
        if inMember { throw .truncated(offset: consumed) }
    }
}

/// Inflates gzip data held in memory.
public enum GzipDecoder {
    /// Decompresses a whole gzip file held in memory.
    ///
    /// - Parameters:
    ///   - input: the compressed bytes, starting with the gzip magic.
    ///   - limits: bounds on the output size and expansion ratio.
    /// - Returns: the decompressed bytes of all members, in order.
    /// - Throws: `GzipError` naming the compressed byte offset where the stream went wrong.
    public static func decompress(_ input: UnsafeRawBufferPointer, limits: InflateLimits = InflateLimits())
        throws(GzipError) -> [UInt8]
    {
        var output: [UInt8] = []
        output.reserveCapacity(min(input.count * 4, 1 << 30))
        let inflater = try GzipInflater(limits: limits)
        do {
            try inflater.inflate(input) { output.append(contentsOf: $0) }
        } catch let error as GzipError {
            throw error
        } catch {
            throw .zlib(code: Z_ERRNO, message: "\(error)")
        }
        try inflater.finish()
        return output
    }
}

/// The CRC-32 of `bytes` (zlib's, the one gzip uses), continuing from `seed`.
public func crc32(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return seed }
    var crc = UInt(seed)
    var offset = 0
    while offset < bytes.count {
        // zlib takes lengths as 32-bit.
        let n = min(bytes.count - offset, 1 << 30)
        crc = CZlib.crc32(crc, base.assumingMemoryBound(to: UInt8.self) + offset, UInt32(n))
        offset += n
    }
    return UInt32(truncatingIfNeeded: crc)
}
