/// Reduces HTML fragments (as found inside JSON text fields) to plain text.
///
/// Tags are removed; block-level tags become paragraph breaks and `<br>` a line break; `script`, `style`
/// and comments disappear with their content; character references are decoded. It is a linear scan
/// over bytes, not a DOM: malformed markup degrades to text, it never fails.
public enum HTMLText {
    /// Whether `bytes` look like they contain markup or character references worth reducing. Text without
    /// `<` or `&` is passed 16 bytes at a time.
    public static func containsMarkup(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            if let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) {
                typealias Bytes = ByteMask.Bytes
                i = ByteMask.firstFlagged(from: base + i, to: base + n) { v in
                    v .== Bytes(repeating: UInt8(ascii: "<")) .| v .== Bytes(repeating: UInt8(ascii: "&"))
                } - base
                guard i < n else { break }
            }
            let b = bytes[i]
            if b == UInt8(ascii: "<"), i + 1 < n {
                let c = bytes[i + 1] | 0x20
                if (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || bytes[i + 1] == UInt8(ascii: "/")
                    || bytes[i + 1] == UInt8(ascii: "!")
                {
                    return true
                }
            } else if b == UInt8(ascii: "&"), i + 2 < n {
                let c = bytes[i + 1]
                if c == UInt8(ascii: "#") || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) {
                    var j = i + 1
                    while j < n, j < i + 12, bytes[j] != UInt8(ascii: ";"), bytes[j] != 0x20 { j += 1 }
                    if j < n, bytes[j] == UInt8(ascii: ";") { return true }
                }
            }
            i += 1
        }
        return false
    }

    /// Returns the text of an HTML fragment.
    ///
    /// - Complexity: O(n).
    public static func reduce(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let n = bytes.count
        var i = 0
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "<") {
                if let end = skipMarkup(bytes, from: i, into: &out) {
                    i = end
                    continue
                }
            } else if b == UInt8(ascii: "&") {
                if let end = decodeReference(bytes, from: i, into: &out) {
                    i = end
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return out
    }

    private static let blockTags: Set<String> = [
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "table", "blockquote",
        "section", "article", "header", "footer", "aside", "nav", "pre", "figure", "figcaption", "dd", "dt", "dl",
        "hr", "main", "form", "address",
    ]

    /// Handles the tag, comment or declaration at `start`; returns the index after it, or nil if `<` is text.
    private static func skipMarkup(_ bytes: UnsafeRawBufferPointer, from start: Int, into out: inout [UInt8]) -> Int? {
        let n = bytes.count
        var i = start + 1
        guard i < n else { return nil }
        if bytes[i] == UInt8(ascii: "!") {
            // Comment or declaration.
            if i + 2 < n, bytes[i + 1] == UInt8(ascii: "-"), bytes[i + 2] == UInt8(ascii: "-") {
                var j = i + 3
                while j + 2 < n {
                    if bytes[j] == UInt8(ascii: "-"), bytes[j + 1] == UInt8(ascii: "-"), bytes[j + 2] == UInt8(ascii: ">") {
                        return j + 3
                    }
                    j += 1
                }
                return n
            }
            return indexAfter(UInt8(ascii: ">"), in: bytes, from: i) ?? n
        }
        var closing = false
        if bytes[i] == UInt8(ascii: "/") {
            closing = true
            i += 1
        }
        let nameStart = i
        while i < n {
            let c = bytes[i] | 0x20
            if (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (bytes[i] >= 0x30 && bytes[i] <= 0x39) {
                i += 1
            } else {
                break
            }
        }
        guard i > nameStart else { return nil }
        var name = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[nameStart..<i]))
        for k in name.indices where name[k] >= 0x41 && name[k] <= 0x5A { name[k] |= 0x20 }
        let tag = String(decoding: name, as: UTF8.self)
        // Find the end of the tag, respecting quoted attribute values.
        var quote: UInt8 = 0
        while i < n {
            let c = bytes[i]
            if quote != 0 {
                if c == quote { quote = 0 }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: ">") {
                break
            }
            i += 1
        }
        let end = min(i + 1, n)
        if !closing, tag == "script" || tag == "style" {
            return skipRawText(bytes, from: end, tag: name)
        }
        if tag == "br" {
            out.append(0x0A)
        } else if blockTags.contains(tag) {
            out.append(contentsOf: [0x0A, 0x0A])
        }
        return end
    }

    private static func skipRawText(_ bytes: UnsafeRawBufferPointer, from start: Int, tag: [UInt8]) -> Int {
        var i = start
        let n = bytes.count
        while i + 2 + tag.count < n {
            if bytes[i] == UInt8(ascii: "<"), bytes[i + 1] == UInt8(ascii: "/") {
                var matches = true
                for k in 0..<tag.count where bytes[i + 2 + k] | 0x20 != tag[k] {
                    matches = false
                    break
                }
                if matches { return indexAfter(UInt8(ascii: ">"), in: bytes, from: i) ?? n }
            }
            i += 1
        }
        return n
    }

    private static func indexAfter(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while i < bytes.count {
            if bytes[i] == byte { return i + 1 }
            i += 1
        }
        return nil
    }

    /// Decodes the character reference at `start`; returns the index after it, or nil if `&` is text.
    private static func decodeReference(_ bytes: UnsafeRawBufferPointer, from start: Int, into out: inout [UInt8])
        -> Int?
    {
        let n = bytes.count
        var i = start + 1
        guard i < n else { return nil }
        if bytes[i] == UInt8(ascii: "#") {
            i += 1
            var hex = false
            if i < n, bytes[i] | 0x20 == UInt8(ascii: "x") {
                hex = true
                i += 1
            }
            var value: UInt32 = 0
            let digitsStart = i
            while i < n, i - digitsStart < 8 {
                let c = bytes[i]
                let digit: UInt32
                if c >= 0x30 && c <= 0x39 {
                    digit = UInt32(c - 0x30)
                } else if hex, c | 0x20 >= UInt8(ascii: "a"), c | 0x20 <= UInt8(ascii: "f") {
                    digit = UInt32(c | 0x20) - UInt32(UInt8(ascii: "a")) + 10
                } else {
                    break
                }
                value = value * (hex ? 16 : 10) + digit
                i += 1
            }
            guard i > digitsStart else { return nil }
            if i < n, bytes[i] == UInt8(ascii: ";") { i += 1 }
            if value == 0 || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) { value = 0xFFFD }
            UTF8Bytes.append(scalar: value, to: &out)
            return i
        }
        let nameStart = i
        while i < n, i - nameStart < 10 {
            let c = bytes[i] | 0x20
            guard (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (bytes[i] >= 0x30 && bytes[i] <= 0x39) else {
                break
            }
            i += 1
        }
        guard i < n, bytes[i] == UInt8(ascii: ";"), i > nameStart else { return nil }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<i]), as: UTF8.self)
        guard let scalar = namedReferences[name] else { return nil }
        UTF8Bytes.append(scalar: scalar, to: &out)
        return i + 1
    }

    /// The named references that occur in news text; unknown names are left as they are.
    static let namedReferences: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0, "shy": 0xAD,
        "ndash": 0x2013, "mdash": 0x2014, "hellip": 0x2026, "lsquo": 0x2018, "rsquo": 0x2019, "sbquo": 0x201A,
        "ldquo": 0x201C, "rdquo": 0x201D, "bdquo": 0x201E, "laquo": 0xAB, "raquo": 0xBB, "lsaquo": 0x2039,
        "rsaquo": 0x203A, "copy": 0xA9, "reg": 0xAE, "trade": 0x2122, "euro": 0x20AC, "pound": 0xA3,
        "yen": 0xA5, "cent": 0xA2, "deg": 0xB0, "middot": 0xB7, "bull": 0x2022, "times": 0xD7, "divide": 0xF7,
        "plusmn": 0xB1, "frac12": 0xBD, "frac14": 0xBC, "frac34": 0xBE, "sect": 0xA7, "para": 0xB6,
        "thinsp": 0x2009, "ensp": 0x2002, "emsp": 0x2003, "zwnj": 0x200C, "zwj": 0x200D, "iexcl": 0xA1,
        "iquest": 0xBF, "eacute": 0xE9, "egrave": 0xE8, "aacute": 0xE1, "agrave": 0xE0, "oacute": 0xF3,
        "uacute": 0xFA, "iacute": 0xED, "ntilde": 0xF1, "ccedil": 0xE7, "uuml": 0xFC, "ouml": 0xF6,
        "auml": 0xE4, "szlig": 0xDF, "Eacute": 0xC9, "Uuml": 0xDC, "Ouml": 0xD6, "Auml": 0xC4, "prime": 0x2032,
        "Prime": 0x2033, "minus": 0x2212, "larr": 0x2190, "rarr": 0x2192, "uarr": 0x2191, "darr": 0x2193,
    ]
}
