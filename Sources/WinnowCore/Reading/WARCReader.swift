/// Reads web archive records (WARC 1.0 and 1.1; Common Crawl's WET files are WARC with `conversion` records).
///
/// A record is a header block (`WARC/1.x`, then `Name: value` lines, then an empty line) and `Content-Length`
/// bytes of content. `conversion` records (extracted text) and `response` records with an HTML body become
/// articles, with the target URI, date and record id in `meta`; every other type is skipped and counted.
public enum WARCReader {
    /// The fields of a record header that Winnow uses.
    public struct Header: Sendable, Equatable {
        public var type = ""
        public var targetURI: String?
        public var date: String?
        public var recordID: String?
        public var contentType: String?
        public var contentLength = 0
    }

    public enum HeaderResult: Sendable, Equatable {
        /// More bytes are needed to see the whole header block.
        case incomplete
        case malformed(String)
        /// The header, and where the content starts (relative to the buffer).
        case header(Header, contentStart: Int)
    }

    /// Whether `bytes` start (at `offset`) like a WARC record.
    public static func startsRecord(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let magic: StaticString = "WARC/1."
        return magic.withUTF8Buffer { magic in
            guard offset + magic.count <= bytes.count else { return false }
            for k in 0..<magic.count where bytes[offset + k] != magic[k] { return false }
            return true
        }
    }

    /// Parses the header block starting at `start`.
    ///
    /// - Complexity: O(header length); the header block is limited to 64 KiB.
    public static func parseHeader(_ bytes: UnsafeRawBufferPointer, from start: Int) -> HeaderResult {
        guard startsRecord(bytes, at: start) || bytes.count - start < 7 else { return .malformed("a record does not start with WARC/1.x") }
        var header = Header()
        var lineStart = start
        var sawLength = false
        var first = true
        while true {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd >= bytes.count {
                return bytes.count - start > 64 * 1024 ? .malformed("record header longer than 64 KiB") : .incomplete
            }
            var contentEnd = lineEnd
            if contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            if contentEnd == lineStart {
                guard sawLength else { return .malformed("record header without Content-Length") }
                return .header(header, contentStart: lineEnd + 1)
            }
            if first {
                first = false
            } else if let colon = (lineStart..<contentEnd).first(where: { bytes[$0] == UInt8(ascii: ":") }) {
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colon]), as: UTF8.self).lowercased()
                var valueStart = colon + 1
                while valueStart < contentEnd && (bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09) { valueStart += 1 }
                let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<contentEnd]), as: UTF8.self)
                switch name {
                case "warc-type": header.type = value.lowercased()
                case "warc-target-uri": header.targetURI = value
                case "warc-date": header.date = value
                case "warc-record-id": header.recordID = value
                case "content-type": header.contentType = value
                case "content-length":
                    guard let length = Int(value), length >= 0 else { return .malformed("Content-Length '\(value)' is not a number") }
                    header.contentLength = length
                    sawLength = true
                default: break
                }
            }
            lineStart = lineEnd + 1
        }
    }

    /// The start of the next line that begins a record after `offset` (to resynchronise after a damaged header).
    public static func nextRecord(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var i = offset + 1
        while i < bytes.count {
            if bytes[i - 1] == 0x0A && startsRecord(bytes, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// Turns one record's content into an article, or nil for the types that carry no article.
    ///
    /// - Parameters:
    ///   - content: the record's content (possibly cut at the article size limit).
    ///   - contentOffset: where the content starts in the whole decompressed input.
    ///   - cut: whether `content` is only the first part of the record (the rest was beyond the size limit).
    public static func article(
        _ header: Header,
        content: UnsafeRawBufferPointer,
        contentOffset: Int,
        cut: Bool,
        index: Int,
        reader: DumpReader
    ) -> RawArticle? {
        var article: RawArticle
        switch header.type {
        case "conversion":
            article = reader.readPlainText(content, from: 0)
            article.bodyOffset = article.bodyOffset.map { $0 + contentOffset }
        case "response":
            guard let body = httpHTMLBody(content) else { return nil }
            let html = UnsafeRawBufferPointer(rebasing: content[body...])
            let text = HTMLText.reduce(html)
            article = text.withUnsafeBytes { reader.readPlainText($0, from: 0) }
            if let title = htmlTitle(html), !title.isEmpty {
                // The <title> is the title; the text then starts at the top.
                article.body = text
                article.title = Array(title.utf8)
            }
            article.bodyOffset = nil
        default:
            return nil
        }
        article.index = index
        article.offset = 0
        article.length = content.count
        article.absoluteOffset = contentOffset
        article.truncated = article.truncated || cut
        article.repairedBytes = UTF8Bytes.invalidByteCount(content)
        // From valid content, the body is a slice of it or its markup reduced (entities decode to valid scalars);
        // content cut inside a character counts that character as invalid.
        article.bodyIsValidUTF8 = article.repairedBytes == 0
        var fields: [(key: String, value: String)] = []
        if let uri = header.targetURI { fields.append(("url", uri)) }
        if let date = header.date { fields.append(("date", date)) }
        if let id = header.recordID { fields.append(("warc-record-id", id)) }
        article.fields = fields
        return article
    }

    /// Where the HTML body of an HTTP response starts, if the response is HTML.
    static func httpHTMLBody(_ content: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        var headerEnd: Int?
        while i + 1 < content.count {
            if content[i] == 0x0A && (content[i + 1] == 0x0A || (content[i + 1] == 0x0D && i + 2 < content.count && content[i + 2] == 0x0A)) {
                headerEnd = content[i + 1] == 0x0A ? i + 2 : i + 3
                break
            }
            i += 1
        }
        guard let end = headerEnd else { return nil }
        let headers = String(decoding: UnsafeRawBufferPointer(rebasing: content[0..<end]), as: UTF8.self).lowercased()
        guard headers.contains("text/html") || headers.contains("application/xhtml") else { return nil }
        return end
    }

    /// The text of the first `<title>` element, entities decoded and white space collapsed.
    static func htmlTitle(_ html: UnsafeRawBufferPointer) -> String? {
        let limit = min(html.count, 64 * 1024)
        let lowered = (0..<limit).map { asciiLower(html[$0]) }
        let open = Array("<title".utf8)
        let close = Array("</title".utf8)
        guard let start = firstIndex(of: open, in: lowered, from: 0),
            let tagEnd = lowered[start...].firstIndex(of: UInt8(ascii: ">")),
            let end = firstIndex(of: close, in: lowered, from: tagEnd)
        else { return nil }
        let inner = HTMLText.reduce(UnsafeRawBufferPointer(rebasing: html[(tagEnd + 1)..<end]))
        let words = String(decoding: inner, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        return words.joined(separator: " ")
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = from
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
