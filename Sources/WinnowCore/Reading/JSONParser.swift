/// A value of a top-level JSON object field, as the JSON Lines reader needs it.
public enum JSONFieldValue: Sendable, Equatable {
    /// A string, decoded to UTF-8 bytes (escapes resolved; invalid UTF-8 kept for later repair).
    case string([UInt8])
    /// A number, as its literal text.
    case number(String)
    case bool(Bool)
    case null
    /// An array whose elements are all strings (such as a list of authors), decoded.
    case strings([[UInt8]])
    /// Any other object or array, kept as its raw JSON bytes.
    case composite([UInt8])
}

/// Why a JSON line could not be parsed.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The byte offset within the line.
    public var offset: Int
    public var reason: String

    public var description: String { "\(reason) at byte \(offset) of the line" }
}

/// A validating, byte-level JSON parser for one object per line.
///
/// It decodes the top-level fields only; nested values are validated (with a depth limit, so hostile
/// nesting cannot exhaust the stack) and kept raw.
public struct JSONLineParser: Sendable {
    public var maxDepth: Int

    public init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
    }

    /// Parses `line` as one JSON object and returns its fields in order.
    ///
    /// - Throws: `JSONSyntaxError` with the byte offset of the first problem.
    /// - Complexity: O(n) in the length of the line.
    public func parseObject(_ line: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> [(key: String, value: JSONFieldValue)] {
        var cursor = Cursor(bytes: line)
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            throw cursor.error(cursor.atEnd ? "empty line is not a JSON object" : "expected a JSON object ('{')")
        }
        cursor.index += 1
        var fields: [(key: String, value: JSONFieldValue)] = []
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.index += 1
        } else {
            while true {
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "\"") else { throw cursor.error("expected a string key") }
                var keyBytes: [UInt8] = []
                try cursor.parseString(into: &keyBytes)
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: ":") else { throw cursor.error("expected ':' after a key") }
                cursor.index += 1
                cursor.skipWhitespace()
                let value = try parseFieldValue(&cursor)
                fields.append((String(decoding: keyBytes, as: UTF8.self), value))
                cursor.skipWhitespace()
                guard let next = cursor.peek() else { throw cursor.error("unterminated object") }
                cursor.index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw cursor.error("expected ',' or '}'", back: 1) }
            }
        }
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw cursor.error("unexpected data after the object") }
        return fields
    }

    private func parseFieldValue(_ cursor: inout Cursor) throws(JSONSyntaxError) -> JSONFieldValue {
        guard let byte = cursor.peek() else { throw cursor.error("expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            var bytes: [UInt8] = []
            try cursor.parseString(into: &bytes)
            return .string(bytes)
        case UInt8(ascii: "["):
            let start = cursor.index
            if let strings = try cursor.parseStringArray() { return .strings(strings) }
            cursor.index = start
            try cursor.skipValue(depth: 0, maxDepth: maxDepth)
            return .composite(Array(cursor.bytes[start..<cursor.index]))
        case UInt8(ascii: "{"):
            let start = cursor.index
            try cursor.skipValue(depth: 0, maxDepth: maxDepth)
            return .composite(Array(cursor.bytes[start..<cursor.index]))
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let start = cursor.index
            try cursor.skipValue(depth: 0, maxDepth: maxDepth)
            switch cursor.index - start {
            case 4 where byte == UInt8(ascii: "t"): return .bool(true)
            case 5: return .bool(false)
            default: return .null
            }
        default:
            let start = cursor.index
            try cursor.skipNumber()
            return .number(String(decoding: cursor.bytes[start..<cursor.index], as: UTF8.self))
        }
    }
}

private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    var atEnd: Bool { index >= bytes.count }

    @inline(__always)
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func error(_ reason: String, back: Int = 0) -> JSONSyntaxError {
        JSONSyntaxError(offset: max(0, index - back), reason: reason)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Parses a string at the cursor (which is on its opening quote) and appends its decoded bytes.
    mutating func parseString(into out: inout [UInt8]) throws(JSONSyntaxError) {
        index += 1
        var run = index
        while index < bytes.count {
            // Sixteen bytes at a time past those that need no look: not a quote, a backslash or a control
            // character (as signed bytes, controls are 0 to 31 and bytes outside ASCII negative).
            if let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) {
                typealias Bytes = ByteMask.Bytes
                index = ByteMask.firstFlagged(from: base + index, to: base + bytes.count) { v in
                    let signed = unsafeBitCast(v, to: SIMD16<Int8>.self)
                    let control = signed .>= SIMD16<Int8>(repeating: 0) .& signed .< SIMD16<Int8>(repeating: 0x20)
                    return control .| v .== Bytes(repeating: UInt8(ascii: "\"")) .| v .== Bytes(repeating: UInt8(ascii: "\\"))
                } - base
                guard index < bytes.count else { break }
            }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[run..<index])
                index += 1
                return
            }
            if b == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[run..<index])
                try parseEscape(into: &out)
                run = index
                continue
            }
            if b < 0x20 { throw error("unescaped control character in a string") }
            index += 1
        }
        throw error("unterminated string")
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(JSONSyntaxError) {
        index += 1
        guard let e = peek() else { throw error("unterminated escape") }
        index += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate; a lone one becomes U+FFFD.
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    let save = index
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        scalar = 0xFFFD
                        index = save
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                scalar = 0xFFFD
            }
            UTF8Bytes.append(scalar: scalar, to: &out)
        default:
            throw error("invalid escape '\\\(Unicode.Scalar(e))'", back: 2)
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func skipNumber() throws(JSONSyntaxError) {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), first >= 0x30, first <= 0x39 else { throw error("invalid value") }
        if first == 0x30 {
            index += 1
        } else {
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw error("invalid number") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard let d = peek(), d >= 0x30, d <= 0x39 else { throw error("invalid number exponent") }
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }
        if index == start { throw error("invalid value") }
    }

    /// Parses `[ "a", "b" ]`; returns nil (leaving the cursor anywhere) if an element is not a string.
    mutating func parseStringArray() throws(JSONSyntaxError) -> [[UInt8]]? {
        index += 1
        var result: [[UInt8]] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return result
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { return nil }
            var s: [UInt8] = []
            try parseString(into: &s)
            result.append(s)
            skipWhitespace()
            guard let next = peek() else { throw error("unterminated array") }
            index += 1
            if next == UInt8(ascii: "]") { return result }
            guard next == UInt8(ascii: ",") else { throw error("expected ',' or ']'", back: 1) }
        }
    }

    /// Validates and skips any JSON value, iteratively for containers so that depth costs no stack.
    mutating func skipValue(depth: Int, maxDepth: Int) throws(JSONSyntaxError) {
        var stack: [UInt8] = []  // expected closers
        var scratch: [UInt8] = []
        repeat {
            skipWhitespace()
            guard let b = peek() else { throw error("unexpected end of line") }
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth + stack.count < maxDepth else {
                    throw error("JSON nesting deeper than the limit of \(maxDepth) (max-json-depth)")
                }
                index += 1
                stack.append(b == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                skipWhitespace()
                if peek() == stack.last {
                    index += 1
                    stack.removeLast()
                    try afterValue(&stack)
                    continue
                }
                if b == UInt8(ascii: "{") { try objectKey(&scratch) }
                continue
            case UInt8(ascii: "\""):
                scratch.removeAll(keepingCapacity: true)
                try parseString(into: &scratch)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try skipNumber()
            }
            try afterValue(&stack)
        } while !stack.isEmpty
    }

    private mutating func objectKey(_ scratch: inout [UInt8]) throws(JSONSyntaxError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
        scratch.removeAll(keepingCapacity: true)
        try parseString(into: &scratch)
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
        index += 1
    }

    /// After a complete value inside containers: consume ',' (and a key in objects) or closers.
    private mutating func afterValue(_ stack: inout [UInt8]) throws(JSONSyntaxError) {
        var scratch: [UInt8] = []
        while let closer = stack.last {
            skipWhitespace()
            guard let b = peek() else { throw error("unexpected end of line inside a value") }
            if b == closer {
                index += 1
                stack.removeLast()
                continue
            }
            guard b == UInt8(ascii: ",") else { throw error("expected ',' or '\(Unicode.Scalar(closer))'") }
            index += 1
            if closer == UInt8(ascii: "}") { try objectKey(&scratch) }
            return
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("invalid literal") }
        let matches = word.withUTF8Buffer { w in
            (0..<count).allSatisfy { bytes[index + $0] == w[$0] }
        }
        guard matches else { throw error("invalid literal") }
        index += count
    }
}
