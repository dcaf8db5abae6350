/// What a token is.
public enum TokenKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Letters, with marks and the joiners UAX #29 keeps inside words ("don't", "Xi’s", "e.g").
    case word
    /// Digits, with the separators UAX #29 keeps inside numbers ("1,000", "3.5").
    case number
    /// Letters and digits together ("G7", "4G", "76th", "1.13bn").
    case alphanumeric
    /// One punctuation character.
    case punctuation
    /// One symbol character ("$", "%", "+").
    case symbol
    /// An emoji, with its modifiers and joiners, or a flag.
    case emoji
    /// One character of a script written without spaces (Han, kana, Thai…).
    case ideograph
    /// A web address (analysis mode): "https://example.org/a?b", "www.example.org".
    case url
    /// An e-mail address (analysis mode).
    case email
    /// "#topic" (analysis mode).
    case hashtag
    /// "@name" (analysis mode).
    case mention
    /// An exchange ticker such as "NASDAQ:EXM" (analysis mode).
    case ticker

    public var description: String {
        switch self {
        case .word: return "word"
        case .number: return "number"
        case .alphanumeric: return "alphanum"
        case .punctuation: return "punct"
        case .symbol: return "symbol"
        case .emoji: return "emoji"
        case .ideograph: return "ideograph"
        case .url: return "url"
        case .email: return "email"
        case .hashtag: return "hashtag"
        case .mention: return "mention"
        case .ticker: return "ticker"
        }
    }

    /// Whether the token counts as a word in statistics.
    public var isWordLike: Bool {
        self == .word || self == .alphanumeric || self == .ideograph
    }
}

/// A token: a byte range of the input and a kind. No text is copied.
///
/// Sixteen bytes (the length is stored in 32 bits: a token is never longer than 4 GiB), so a batch of tokens
/// copies and caches well.
public struct Token: Sendable, Equatable {
    public var offset: Int
    @usableFromInline var storedLength: UInt32
    public var kind: TokenKind

    @inlinable
    public init(offset: Int, length: Int, kind: TokenKind) {
        self.offset = offset
        self.storedLength = UInt32(truncatingIfNeeded: length)
        self.kind = kind
    }

    @inlinable
    public var length: Int {
        get { Int(storedLength) }
        set { storedLength = UInt32(truncatingIfNeeded: newValue) }
    }

    @inlinable public var range: Range<Int> { offset..<(offset + length) }
    @inlinable public var end: Int { offset + length }
}
