#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which JSON fields hold which part of an article. The first field present (and non-empty) wins.
public struct FieldMapping: Sendable, Hashable {
    public var title: [String] = ["title", "headline", "contenttitle"]
    public var text: [String] = ["text", "content", "body", "article", "maintext"]
    public var url: [String] = ["url", "link", "uri"]
    public var date: [String] = ["date", "published", "date_publish", "published_at", "date_extracted", "pubdate"]
    public var author: [String] = ["author", "byline", "authors"]
    public var source: [String] = ["source", "site", "domain", "publisher"]
    /// The language the dump itself states; kept as `meta.language`, beside the detected `language`.
    public var language: [String] = ["language", "lang", "locale", "inlanguage"]

    public init() {}
}

/// Limits on what one input may contain.
public struct ReaderLimits: Sendable, Hashable {
    /// Longest accepted JSON line; longer lines are reported and skipped.
    public var maxLineBytes: Int = 64 << 20
    /// Deepest accepted JSON nesting.
    public var maxJSONDepth: Int = 64
    /// Largest article body; a longer body is cut at a line or character boundary and flagged. At most 2 GiB
    /// (tokens address an article's bytes with 32 bits): a larger value is taken as 2 GiB.
    public var maxArticleBytes: Int = 16 << 20 {
        didSet { maxArticleBytes = min(maxArticleBytes, 1 << 31) }
    }
    /// Most articles accepted from one file.
    public var maxArticles: Int = 1_000_000
    /// Longest title. A plain-text first line longer than this is not a title line: the title is its
    /// beginning, cut at a character boundary, and the whole line stays in the body.
    public var maxTitleBytes: Int = 1024
    /// Limits on gzip decompression.
    public var inflate = InflateLimits()

    public init() {}
}

/// Everything read from one input.
public struct DumpContents: Sendable {
    public var format: InputFormat
    /// Whether the input was gzip-compressed.
    public var gzip: Bool
    /// Size of the (decompressed) input in bytes.
    public var decompressedBytes: Int
    public var articles: [RawArticle]
    /// Parts that were skipped (such as malformed JSON lines), each with its position.
    public var issues: [ReadIssue]
    /// Web archive records of other types than `conversion` and `response`, by type.
    public var skippedRecords: [String: Int] = [:]
}

/// Reads article dumps: detects the format from the content, decompresses gzip, splits articles.
public struct DumpReader: Sendable {
    public var fields: FieldMapping
    public var limits: ReaderLimits

    public init(fields: FieldMapping = FieldMapping(), limits: ReaderLimits = ReaderLimits()) {
        self.fields = fields
        self.limits = limits
    }

    /// Reads articles from bytes that are already decompressed.
    public func readDecompressed(_ bytes: UnsafeRawBufferPointer) throws(InputError) -> DumpContents {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let firstText = firstNonWhitespace(bytes, from: start)
        guard firstText < bytes.count else { throw .empty }
        let invalidBytes = try checkText(bytes)
        let format = detectFormat(bytes, firstText: firstText)
        switch format {
        case .text:
            let article = readPlainText(bytes, from: start, invalidBytes: invalidBytes)
            return DumpContents(format: .text, gzip: false, decompressedBytes: bytes.count, articles: [article], issues: [])
        case .jsonl:
            return try readJSONLines(bytes, from: start)
        case .warc:
            return try readWARC(bytes, from: firstText)
        }
    }

    /// JSON Lines when the first line with text is a JSON object; plain text otherwise.
    public func detectFormat(_ bytes: UnsafeRawBufferPointer, firstText: Int) -> InputFormat {
        if WARCReader.startsRecord(bytes, at: firstText) { return .warc }
        guard bytes[firstText] == UInt8(ascii: "{") else { return .text }
        var end = firstText
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[firstText..<end])
        if (try? JSONLineParser(maxDepth: limits.maxJSONDepth).parseObject(line)) != nil { return .jsonl }
        // A malformed first line of a dump whose second line is an object is still JSON Lines.
        var next = end + 1
        while next < bytes.count, bytes[next] == 0x0A || bytes[next] == 0x0D || bytes[next] == 0x20 { next += 1 }
        return next < bytes.count && bytes[next] == UInt8(ascii: "{") ? .jsonl : .text
    }

    /// Refuses binary data: NUL bytes or control characters or invalid UTF-8 beyond a small share of a sample
    /// (the first 64 KiB).
    ///
    /// - Parameter complete: whether `bytes` are the whole input (a stream's first bytes are not).
    /// - Returns: the invalid UTF-8 bytes of the whole input when the sample was all of it (a byte-order mark
    ///   is a valid character, so the count is the same without it), so that it need not be counted again; nil
    ///   otherwise.
    @discardableResult
    public func checkText(_ bytes: UnsafeRawBufferPointer, complete: Bool = true) throws(InputError) -> Int? {
        let sampleSize = min(bytes.count, 64 * 1024)
        let sample = UnsafeRawBufferPointer(rebasing: bytes[0..<sampleSize])
        var nul = 0
        var control = 0
        var i = 0
        while i < sampleSize {
            // Eight bytes at a time past those with no byte below 0x20 (most of a text's).
            if sampleSize - i >= 8 {
                let w = sample.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let b = sample[i]
            if b == 0 {
                nul += 1
            } else if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C && b != 0x0B && b != 0x1B {
                control += 1
            }
            i += 1
        }
        let invalid = UTF8Bytes.invalidByteCount(sample)
        let suspicious = nul + control + invalid
        // Text with a few stray NULs or mis-encoded bytes is repaired; mostly-non-text is refused.
        if suspicious * 10 > sampleSize || (nul * 100 > sampleSize && nul > 16) {
            var parts: [String] = []
            if nul > 0 { parts.append("\(nul) NUL bytes") }
            if control > 0 { parts.append("\(control) control bytes") }
            if invalid > 0 { parts.append("\(invalid) invalid UTF-8 bytes") }
            throw .binary(reason: "\(parts.joined(separator: ", ")) in the first \(sampleSize) bytes")
        }
        return complete && sampleSize == bytes.count ? invalid : nil
    }

    public func firstNonWhitespace(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        var i = from
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C: i += 1
            default: return i
            }
        }
        return i
    }

    // MARK: Plain text

    /// Reads one plain-text article: the title is the first line with text, the body the rest.
    ///
    /// - Parameter invalidBytes: the invalid UTF-8 bytes of `bytes[start...]` when the caller has counted
    ///   them already (`checkText` of a small file); counted here otherwise.
    public func readPlainText(_ bytes: UnsafeRawBufferPointer, from start: Int, invalidBytes: Int? = nil) -> RawArticle {
        var lineStart = start
        var title: Range<Int> = start..<start
        var titleInBody = false
        var bodyStart = bytes.count
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let trimmed = trimWhitespace(bytes, lineStart..<lineEnd)
            if trimmed.count > limits.maxTitleBytes {
                title = trimmed.lowerBound..<characterBoundary(bytes, atMost: trimmed.lowerBound + limits.maxTitleBytes, after: trimmed.lowerBound)
                bodyStart = lineStart
                break
            }
            if !trimmed.isEmpty {
                title = trimmed
                // A first line that reads as a paragraph (twenty words or more, ending like a sentence) is the
                // article's first paragraph, not a headline: it is the title and stays in the body too.
                titleInBody = Self.readsAsParagraph(UnsafeRawBufferPointer(rebasing: bytes[trimmed]))
                bodyStart = titleInBody ? lineStart : min(lineEnd + 1, bytes.count)
                break
            }
            lineStart = lineEnd + 1
        }
        var bodyEnd = bytes.count
        var truncated = false
        if bodyEnd - bodyStart > limits.maxArticleBytes {
            bodyEnd = cutPoint(bytes, from: bodyStart, limit: limits.maxArticleBytes)
            truncated = true
        }
        let repaired: Int
        if let invalidBytes, !truncated {
            repaired = invalidBytes
        } else {
            repaired = UTF8Bytes.invalidByteCount(UnsafeRawBufferPointer(rebasing: bytes[start..<bodyEnd]))
        }
        var article = RawArticle(
            index: 0,
            offset: start,
            length: bytes.count - start,
            title: Array(bytes[title]),
            body: Array(bytes[bodyStart..<bodyEnd]),
            bodyOffset: bodyStart,
            repairedBytes: repaired,
            truncated: truncated
        )
        // The body is a slice of the span just checked, cut at a line end or a character boundary.
        article.bodyIsValidUTF8 = repaired == 0
        article.titleInBody = titleInBody
        return article
    }

    /// Whether a line reads as a paragraph of prose rather than a headline: at least twenty words, and a
    /// sentence end (in any of several scripts) before closing quotes at its end.
    static func readsAsParagraph(_ line: UnsafeRawBufferPointer) -> Bool {
        var words = 0
        var inWord = false
        for b in line {
            let space = b == 0x20 || b == 0x09
            if !space && !inWord { words += 1 }
            inWord = !space
        }
        guard words >= 20 else { return false }
        return LineFeatures.endsLikeSentence(line)
    }

    /// The largest index ≤ `limit` (and > `after`) that does not split a UTF-8 sequence.
    private func characterBoundary(_ bytes: UnsafeRawBufferPointer, atMost limit: Int, after: Int) -> Int {
        var i = min(limit, bytes.count)
        while i > after, i < bytes.count, bytes[i] & 0xC0 == 0x80 { i -= 1 }
        return i
    }

    /// The end of a cut at most `limit` bytes after `from`: the last line break, else a UTF-8 boundary.
    private func cutPoint(_ bytes: UnsafeRawBufferPointer, from: Int, limit: Int) -> Int {
        let hard = from + limit
        var i = hard
        while i > from + limit / 2 {
            if bytes[i - 1] == 0x0A { return i }
            i -= 1
        }
        i = hard
        while i > from, bytes[i] & 0xC0 == 0x80 { i -= 1 }
        return i
    }

    // MARK: Web archives

    /// Reads every record of a web archive held in memory.
    func readWARC(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(InputError) -> DumpContents {
        var articles: [RawArticle] = []
        var issues: [ReadIssue] = []
        var skipped: [String: Int] = [:]
        var position = start
        while position < bytes.count {
            while position < bytes.count && isASCIIWhitespace(bytes[position]) { position += 1 }
            guard position < bytes.count else { break }
            switch WARCReader.parseHeader(bytes, from: position) {
            case .incomplete:
                issues.append(ReadIssue(line: nil, offset: position, reason: "the input ends inside a record header"))
                position = bytes.count
            case .malformed(let reason):
                issues.append(ReadIssue(line: nil, offset: position, reason: reason))
                position = WARCReader.nextRecord(bytes, after: position) ?? bytes.count
            case .header(let header, let contentStart):
                let contentEnd = min(contentStart + header.contentLength, bytes.count)
                if contentStart + header.contentLength > bytes.count {
                    issues.append(ReadIssue(line: nil, offset: position, reason: "the input ends inside a record's content"))
                }
                let keptEnd = min(contentEnd, contentStart + limits.maxArticleBytes)
                let content = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<keptEnd])
                let cut = keptEnd < contentEnd
                if var article = WARCReader.article(header, content: content, contentOffset: contentStart, cut: cut, index: articles.count, reader: self) {
                    guard articles.count < limits.maxArticles else { throw .tooManyArticles(limit: limits.maxArticles) }
                    article.offset = contentStart
                    article.absoluteOffset = nil
                    articles.append(article)
                } else {
                    skipped[header.type.isEmpty ? "untyped" : header.type, default: 0] += 1
                }
                position = contentEnd
            }
        }
        if articles.isEmpty, let first = issues.first {
            throw .nothingParsable(issues: issues.count, firstIssue: first.description)
        }
        var contents = DumpContents(format: .warc, gzip: false, decompressedBytes: bytes.count, articles: articles, issues: issues)
        contents.skippedRecords = skipped
        return contents
    }

    // MARK: JSON Lines

    func readJSONLines(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(InputError) -> DumpContents {
        var articles: [RawArticle] = []
        var issues: [ReadIssue] = []
        _ = try readJSONLineChunk(bytes, from: start, firstLine: 1, articles: &articles, issues: &issues)
        if articles.isEmpty, let first = issues.first {
            throw .nothingParsable(issues: issues.count, firstIssue: first.description)
        }
        if articles.isEmpty { throw .empty }
        return DumpContents(format: .jsonl, gzip: false, decompressedBytes: bytes.count, articles: articles, issues: issues)
    }

    /// Reads the JSON lines of one chunk (complete lines) and appends its articles and issues.
    ///
    /// Offsets stay relative to `bytes`; line numbers start at `firstLine`; article indices continue from
    /// `indexBase`. Returns the number of lines read.
    public func readJSONLineChunk(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int = 0,
        firstLine: Int,
        indexBase: Int = 0,
        articles: inout [RawArticle],
        issues: inout [ReadIssue]
    ) throws(InputError) -> Int {
        let parser = JSONLineParser(maxDepth: limits.maxJSONDepth)
        let firstArticle = articles.count
        var lineStart = start
        var lineNumber = firstLine - 1
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            // memchr is far faster than a Swift loop for long lines.
            if let base = bytes.baseAddress,
                let found = memchr(base + lineStart, 0x0A, bytes.count - lineStart)
            {
                lineEnd = UnsafeRawPointer(found) - base
            } else {
                lineEnd = bytes.count
            }
            defer { lineStart = lineEnd + 1 }
            let range = trimWhitespace(bytes, lineStart..<lineEnd)
            if range.isEmpty { continue }
            if range.count > limits.maxLineBytes {
                issues.append(
                    ReadIssue(
                        line: lineNumber,
                        offset: lineStart,
                        reason: "line of \(range.count) bytes exceeds the limit of \(limits.maxLineBytes) (max-line-bytes)"
                    )
                )
                continue
            }
            let line = UnsafeRawBufferPointer(rebasing: bytes[range])
            let fieldsOfLine: [(key: String, value: JSONFieldValue)]
            do throws(JSONSyntaxError) {
                fieldsOfLine = try parser.parseObject(line)
            } catch {
                issues.append(ReadIssue(line: lineNumber, offset: range.lowerBound + error.offset, reason: "malformed JSON: \(error)"))
                continue
            }
            let index = indexBase + articles.count - firstArticle
            guard index < limits.maxArticles else { throw .tooManyArticles(limit: limits.maxArticles) }
            guard var article = article(from: fieldsOfLine, index: index, line: lineNumber, range: range) else {
                issues.append(
                    ReadIssue(
                        line: lineNumber,
                        offset: range.lowerBound,
                        reason: "no text or title field (looked for \((fields.text + fields.title).joined(separator: ", ")))"
                    )
                )
                continue
            }
            article.repairedBytes = UTF8Bytes.invalidByteCount(line)
            // Decoded from a valid line: its escapes and entities decode to valid scalars (a lone surrogate to
            // U+FFFD), and its cuts fall on character boundaries.
            article.bodyIsValidUTF8 = article.repairedBytes == 0
            articles.append(article)
        }
        return lineNumber - firstLine + 1
    }

    private func article(
        from object: [(key: String, value: JSONFieldValue)],
        index: Int,
        line: Int,
        range: Range<Int>
    ) -> RawArticle? {
        // Each key lowercased once, not once for every name looked for (some 30 names, a record's every field).
        let keys = object.map { $0.key.lowercased() }
        func lookup(_ names: [String]) -> [UInt8]? {
            for name in names {
                for (key, field) in zip(keys, object) where key == name {
                    switch field.value {
                    case .string(let bytes) where !bytes.isEmpty: return bytes
                    case .strings(let list) where !list.isEmpty: return Array(list.joined(separator: Array(", ".utf8)))
                    case .number(let literal): return Array(literal.utf8)
                    default: continue
                    }
                }
            }
            return nil
        }
        // A record with a title but an empty body is still an article (a title-only item); one with neither is not.
        let foundBody = lookup(fields.text)
        var title = lookup(fields.title) ?? []
        guard foundBody != nil || !title.isEmpty else { return nil }
        if title.count > limits.maxTitleBytes {
            var cut = limits.maxTitleBytes
            while cut > 0, title[cut] & 0xC0 == 0x80 { cut -= 1 }
            title.removeSubrange(cut...)
        }
        var body = foundBody ?? []
        body = Self.reduceMarkup(body)
        title = Self.reduceMarkup(title)
        var truncated = false
        if body.count > limits.maxArticleBytes {
            var cut = limits.maxArticleBytes
            while cut > 0, body[cut] & 0xC0 == 0x80 { cut -= 1 }
            body.removeSubrange(cut...)
            truncated = true
        }
        var meta: [(key: String, value: String)] = []
        for (key, names) in [
            ("url", fields.url), ("date", fields.date), ("author", fields.author), ("source", fields.source),
            ("language", fields.language),
        ] {
            if let value = lookup(names) {
                var repaired: [UInt8] = []
                value.withUnsafeBytes { _ = UTF8Bytes.appendRepairing($0, to: &repaired) }
                meta.append((key, String(decoding: repaired, as: UTF8.self)))
            }
        }
        return RawArticle(
            index: index,
            offset: range.lowerBound,
            length: range.count,
            line: line,
            title: title,
            body: body,
            bodyOffset: nil,
            fields: meta,
            truncated: truncated
        )
    }

    static func reduceMarkup(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { buffer in
            HTMLText.containsMarkup(buffer) ? HTMLText.reduce(buffer) : bytes
        }
    }
}

/// The range without leading and trailing ASCII whitespace.
@inline(__always)
func trimWhitespace(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
    var lower = range.lowerBound
    var upper = range.upperBound
    while lower < upper, isASCIIWhitespace(bytes[lower]) { lower += 1 }
    while upper > lower, isASCIIWhitespace(bytes[upper - 1]) { upper -= 1 }
    return lower..<upper
}

@inline(__always)
func isASCIIWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C
}
