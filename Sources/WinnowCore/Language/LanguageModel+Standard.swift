import CDeflate

extension LanguageModel {
    /// The model generated from the project's training text (`LanguageModelData.swift`), read once per process.
    public static let standard: LanguageModel = {
        do {
            return try LanguageModel(embedded: languageModelData)
        } catch {
            // The data is generated and checked by the tests and CI; a failure here is a build defect.
            fatalError("the built-in language model does not read: \(error)")
        }
    }()

    /// Reads a model embedded as base64 of its gzip-compressed bytes (line breaks ignored).
    init(embedded text: StaticString) throws(LanguageModelError) {
        let compressed = text.withUTF8Buffer { Base64.decode($0) }
        guard let compressed else { throw .malformed("not base64") }
        // libdeflate inflates the 5.8 MB and checks their CRC in 36 M instructions where zlib took 91 M: this runs
        // once per process, before its first answer. The size is the gzip trailer's.
        guard compressed.count >= 18 else { throw .malformed("not gzip") }
        let size = compressed.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        guard size <= 64 << 20, let decompressor = libdeflate_alloc_decompressor() else { throw .malformed("not gzip") }
        defer { libdeflate_free_decompressor(decompressor) }
        var result = LIBDEFLATE_BAD_DATA
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { out, written in
            var actual = 0
            result = compressed.withUnsafeBytes {
                libdeflate_gzip_decompress(decompressor, $0.baseAddress, $0.count, out.baseAddress, size, &actual)
            }
            written = result == LIBDEFLATE_SUCCESS ? actual : 0
        }
        guard result == LIBDEFLATE_SUCCESS, bytes.count == size else { throw .malformed("not gzip, or damaged") }
        try self.init(bytes: bytes)
    }
}

/// Base64 (RFC 4648, with padding) for embedding binary data in source files.
@_spi(Training)
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// Encodes `bytes`, breaking lines every `lineLength` characters (0: one line).
    public static func encode(_ bytes: [UInt8], lineLength: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 4 / 3 + bytes.count / max(lineLength, 1) + 4)
        var column = 0
        func put(_ c: UInt8) {
            if lineLength > 0 && column == lineLength {
                out.append(0x0A)
                column = 0
            }
            out.append(c)
            column += 1
        }
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i])
            let b1 = n > 1 ? UInt32(bytes[i + 1]) : 0
            let b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            put(alphabet[Int(v >> 18)])
            put(alphabet[Int((v >> 12) & 63)])
            put(n > 1 ? alphabet[Int((v >> 6) & 63)] : UInt8(ascii: "="))
            put(n > 2 ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return out
    }

    /// Decodes base64, skipping line breaks and spaces; nil on any other character out of place.
    ///
    /// - Complexity: O(n); four characters at a time between line breaks (every process decodes the built-in
    ///   language model, about 1.9 MB of base64, when it first identifies a language).
    public static func decode(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        values.withUnsafeBufferPointer { table in
            var valid = true
            let out = [UInt8](unsafeUninitializedCapacity: text.count / 4 * 3 + 3) { out, written in
                var accumulator: UInt32 = 0
                var bits = 0
                var padding = 0
                var n = 0
                var i = 0
                while i < text.count {
                    // Four characters of the alphabet, on a boundary of the encoding: three bytes.
                    if bits == 0 && padding == 0 && text.count - i >= 4 {
                        let a = table[Int(text[i])], b = table[Int(text[i + 1])]
                        let c = table[Int(text[i + 2])], d = table[Int(text[i + 3])]
                        if a | b | c | d < 64 {
                            let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                            out[n] = UInt8(truncatingIfNeeded: v >> 16)
                            out[n + 1] = UInt8(truncatingIfNeeded: v >> 8)
                            out[n + 2] = UInt8(truncatingIfNeeded: v)
                            n += 3
                            i += 4
                            continue
                        }
                    }
                    let c = text[i]
                    i += 1
                    if c == 0x0A || c == 0x0D || c == 0x20 { continue }
                    if c == UInt8(ascii: "=") {
                        padding += 1
                        continue
                    }
                    let v = table[Int(c)]
                    guard v != 0xFF, padding == 0 else {
                        valid = false
                        break
                    }
                    accumulator = accumulator << 6 | UInt32(v)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        out[n] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                        n += 1
                    }
                }
                written = n
            }
            return valid ? out : nil
        }
    }
}
