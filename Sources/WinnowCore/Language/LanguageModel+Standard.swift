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
        let bytes: [UInt8]
        do {
            bytes = try compressed.withUnsafeBytes { buffer in
                try Result { () throws(GzipError) in try GzipDecoder.decompress(buffer) }.get()
            }
        } catch {
            throw .malformed("\(error)")
        }
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
    public static func decode(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text {
            if c == 0x0A || c == 0x0D || c == 0x20 { continue }
            if c == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            let v = values[Int(c)]
            guard v != 0xFF, padding == 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
