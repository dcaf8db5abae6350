import CDeflate
import CZstd

/// The container of an input or an output: none, gzip or Zstandard.
public enum Compression: String, Sendable, Hashable, CaseIterable {
    case none
    case gzip
    case zstd

    /// The compression an input's first bytes announce: gzip's `1f 8b`, or a Zstandard frame's `28 b5 2f fd`.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> Compression {
        if hasGzipMagic(bytes) { return .gzip }
        if hasZstdMagic(bytes) { return .zstd }
        return .none
    }
}

/// Compressing the records failed (out of memory, or a level the library refuses).
public struct CompressionError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// How records are compressed on their way out: gzip through libdeflate, or Zstandard.
///
/// Each call of `compress` makes one self-contained gzip member or Zstandard frame from a whole buffer (a chunk
/// of records); members written one after another form one valid `.jsonl.gz` file (as pigz writes), frames one
/// valid `.jsonl.zst` stream. The bytes depend only on the input, the level and the library's version
/// (`version`): no time, name or thread count goes into them (gzip's header has mtime 0).
public struct OutputCodec: Sendable, Hashable, CustomStringConvertible {
    /// `.gzip` or `.zstd`.
    public var compression: Compression
    public var level: Int

    /// A codec at `level`, or at the compression's default (gzip 6, zstd 3).
    ///
    /// - Precondition: `compression` is not `.none`.
    public init(_ compression: Compression = .gzip, level: Int? = nil) {
        precondition(compression != .none, "an output codec compresses")
        self.compression = compression
        self.level = level ?? Self.defaultLevel(compression)
    }

    public static let gzip = OutputCodec(.gzip)

    /// 6 for gzip (as gzip's own default), 3 for zstd (as zstd's).
    public static func defaultLevel(_ compression: Compression) -> Int { compression == .zstd ? 3 : 6 }

    /// The levels each codec takes: libdeflate's 0 (stored) to 12, Zstandard's 1 to 22.
    public static func levels(_ compression: Compression) -> ClosedRange<Int> {
        compression == .zstd ? 1...Int(ZSTD_maxCLevel()) : 0...12
    }

    /// The output file's name ending: `.jsonl.gz` or `.jsonl.zst`.
    public var fileExtension: String { compression == .zstd ? ".jsonl.zst" : ".jsonl.gz" }

    /// "gzip", "zstd".
    public var name: String { compression.rawValue }

    /// The compressing library and its version, for reports: "libdeflate 1.14", "zstd 1.5.4".
    public var library: String {
        if compression == .zstd {
            return "zstd " + String(cString: ZSTD_versionString())
        }
        return "libdeflate " + LIBDEFLATE_VERSION_STRING
    }

    public var description: String { "\(name) level \(level)" }

    /// One gzip member or Zstandard frame holding `input`.
    public func compress(_ input: UnsafeRawBufferPointer) throws(CompressionError) -> [UInt8] {
        switch compression {
        case .zstd: return try Self.zstd(input, level: level)
        case .gzip, .none: return try Self.deflate(input, level: level)
        }
    }

    public func compress(_ input: [UInt8]) throws(CompressionError) -> [UInt8] {
        try input.withUnsafeBytes { bytes in Result { () throws(CompressionError) in try compress(bytes) } }.get()
    }

    private static func deflate(_ input: UnsafeRawBufferPointer, level: Int) throws(CompressionError) -> [UInt8] {
        let compressor = try Compressor.take(.gzip, level: level)
        defer { Compressor.give(compressor) }
        let bound = libdeflate_gzip_compress_bound(OpaquePointer(compressor.state), input.count)
        var output = [UInt8](unzeroedCount: bound)
        let written = output.withUnsafeMutableBytes { out in
            libdeflate_gzip_compress(OpaquePointer(compressor.state), input.baseAddress, input.count, out.baseAddress, out.count)
        }
        // The bound is always enough; 0 would mean it was not.
        guard written > 0 else { throw CompressionError("libdeflate could not fit \(input.count) bytes in its bound of \(bound)") }
        output.removeSubrange(written...)
        return output
    }

    private static func zstd(_ input: UnsafeRawBufferPointer, level: Int) throws(CompressionError) -> [UInt8] {
        let compressor = try Compressor.take(.zstd, level: level)
        defer { Compressor.give(compressor) }
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](unzeroedCount: bound)
        let written = output.withUnsafeMutableBytes { out in
            ZSTD_compress2(OpaquePointer(compressor.state), out.baseAddress, out.count, input.baseAddress, input.count)
        }
        if ZSTD_isError(written) != 0 { throw CompressionError("zstd: " + String(cString: ZSTD_getErrorName(written))) }
        output.removeSubrange(written...)
        return output
    }
}

/// A libdeflate compressor or a zstd context at one level, kept for reuse: making one costs more than
/// compressing a small article's records (libdeflate clears its hash tables, zstd sizes its workspace), so
/// they are pooled, one in use per thread at a time.
private final class Compressor: @unchecked Sendable {
    let compression: Compression
    let level: Int
    let state: UnsafeMutableRawPointer

    private init(_ compression: Compression, level: Int) throws(CompressionError) {
        self.compression = compression
        self.level = level
        if compression == .zstd {
            guard let context = ZSTD_createCCtx() else { throw CompressionError("zstd: out of memory") }
            // The frame names its content size and ends with a checksum (as the zstd tool writes by
            // default), so a reader can tell a damaged frame from a good one.
            ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
            ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
            state = UnsafeMutableRawPointer(context)
        } else {
            guard let compressor = libdeflate_alloc_compressor(Int32(level)) else {
                throw CompressionError("libdeflate cannot make a compressor at level \(level) (0 to 12, or out of memory)")
            }
            state = UnsafeMutableRawPointer(compressor)
        }
    }

    deinit {
        if compression == .zstd {
            ZSTD_freeCCtx(OpaquePointer(state))
        } else {
            libdeflate_free_compressor(OpaquePointer(state))
        }
    }

    private struct Key: Hashable {
        var compression: Compression
        var level: Int
    }

    /// Idle compressors by codec and level; at most `keep` of each (one per core is all that is ever busy).
    private static let idle = Locked<[Key: [Compressor]]>([:])
    private static let keep = 16

    static func take(_ compression: Compression, level: Int) throws(CompressionError) -> Compressor {
        let key = Key(compression: compression, level: level)
        if let compressor = idle.withLock({ $0[key]?.popLast() }) { return compressor }
        return try Compressor(compression, level: level)
    }

    static func give(_ compressor: Compressor) {
        let key = Key(compression: compressor.compression, level: compressor.level)
        idle.withLock { idle in
            if idle[key, default: []].count < keep { idle[key, default: []].append(compressor) }
        }
    }
}

/// Whether `bytes` start with a Zstandard frame's magic number `28 b5 2f fd`.
@inlinable
public func hasZstdMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD
}
