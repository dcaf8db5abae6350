/// The layout of an input file, detected from its content.
public enum InputFormat: String, Sendable, CaseIterable {
    /// One article per file; the first non-empty line is the title.
    case text
    /// One JSON object per line, one article per object.
    case jsonl
    /// Web archive records (WARC 1.0/1.1, and WET files of extracted text): one article per
    /// `conversion` or `response` record.
    case warc
}

/// One article as read from a dump, before cleaning.
public struct RawArticle: Sendable {
    /// The position of the article in its file, from 0.
    public var index: Int
    /// Byte offset of the article in the (decompressed) input.
    public var offset: Int
    /// Length in bytes of the article in the (decompressed) input.
    public var length: Int
    /// The 1-based line number of the article, for JSON Lines.
    public var line: Int?
    /// The title, as UTF-8 bytes (not yet repaired).
    public var title: [UInt8]
    /// The body text, as UTF-8 bytes (not yet repaired), with its own line structure.
    public var body: [UInt8]
    /// Where `body[0]` sits in the input, when the body is a verbatim slice of it (plain text).
    /// Nil when the body was decoded (JSON escapes, HTML), so offsets into it are body-relative.
    public var bodyOffset: Int?
    /// Metadata fields found by the reader (url, date, author, source), in a stable order.
    public var fields: [(key: String, value: String)]
    /// Invalid UTF-8 bytes in the article's input span (replaced with U+FFFD on output).
    public var repairedBytes: Int
    /// Whether `body` is known to be valid UTF-8 (the readers check it on the way), so that the cleaner copies
    /// its lines without checking them again. False unless set: false only costs that check.
    public var bodyIsValidUTF8 = false
    /// Whether the body was cut at the article size limit.
    public var truncated: Bool
    /// Whether the title is the body's first line too (a plain-text article that starts with a paragraph, not
    /// a headline): the cleaner then does not take that line for a repeat of the title.
    public var titleInBody = false
    /// The article's offset in the whole decompressed input, when `offset` is relative to a buffer that is
    /// not a contiguous slice of it (web archive records gathered into one chunk).
    public var absoluteOffset: Int?

    public init(
        index: Int,
        offset: Int,
        length: Int,
        line: Int? = nil,
        title: [UInt8],
        body: [UInt8],
        bodyOffset: Int?,
        fields: [(key: String, value: String)] = [],
        repairedBytes: Int = 0,
        truncated: Bool = false
    ) {
        self.index = index
        self.offset = offset
        self.length = length
        self.line = line
        self.title = title
        self.body = body
        self.bodyOffset = bodyOffset
        self.fields = fields
        self.repairedBytes = repairedBytes
        self.truncated = truncated
    }
}

/// A problem with part of an input that was skipped while the rest was read.
public struct ReadIssue: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line, for line-oriented formats.
    public var line: Int?
    /// The byte offset in the (decompressed) input.
    public var offset: Int
    public var reason: String

    public init(line: Int?, offset: Int, reason: String) {
        self.line = line
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        if let line { return "line \(line): \(reason)" }
        return "byte \(offset): \(reason)"
    }
}

/// Why a whole input could not be used.
public enum InputError: Error, Equatable, CustomStringConvertible, Sendable {
    case empty
    case binary(reason: String)
    case gzip(GzipError)
    case zstd(ZstdError)
    case nothingParsable(issues: Int, firstIssue: String)
    case tooManyArticles(limit: Int)
    /// Processing took longer than the per-file time budget.
    case tooSlow(seconds: Double)

    public var description: String {
        switch self {
        case .empty:
            return "the file is empty (no text after removing whitespace and byte-order mark)"
        case .binary(let reason):
            return "the file is binary, not text: \(reason)"
        case .gzip(let error):
            return error.description
        case .zstd(let error):
            return error.description
        case .nothingParsable(let issues, let first):
            return "no article could be read: \(issues) malformed line\(issues == 1 ? "" : "s"), the first: \(first)"
        case .tooManyArticles(let limit):
            return "the file holds more than \(limit) articles (max-articles-per-file)"
        case .tooSlow(let seconds):
            return "processing took longer than the budget of \(Int(seconds)) seconds per file (max-seconds-per-file)"
        }
    }

    /// A short stable name for metrics and reason files.
    public var kind: String {
        switch self {
        case .empty: return "empty"
        case .binary: return "binary"
        case .gzip: return "gzip"
        case .zstd: return "zstd"
        case .nothingParsable: return "unparsable"
        case .tooManyArticles: return "too-many-articles"
        case .tooSlow: return "too-slow"
        }
    }
}
