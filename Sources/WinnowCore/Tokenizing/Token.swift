/// What a token is.
public enum TokenKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Letters (with marks, and apostrophes inside a word: "don't", "Xi’s").
    case word
    /// Digits, with separators inside ("1,000", "3.5").
    case number
    /// Letters and digits together ("G7", "4G", "2nd").
    case alphanumeric
    /// One punctuation character.
    case punctuation
    /// One symbol character ("$", "%", "+").
    case symbol
    /// An emoji, with its modifiers and joiners.
    case emoji
    /// One ideograph or kana (scripts written without spaces).
    case ideograph

    public var description: String {
        switch self {
        case .word: return "word"
        case .number: return "number"
        case .alphanumeric: return "alphanum"
        case .punctuation: return "punct"
        case .symbol: return "symbol"
        case .emoji: return "emoji"
        case .ideograph: return "ideograph"
        }
    }

    /// Whether the token counts as a word in statistics.
    public var isWordLike: Bool {
        self == .word || self == .alphanumeric || self == .ideograph
    }
}

/// A token: a byte range of the input and a kind. No text is copied.
public struct Token: Sendable, Equatable {
    public var offset: Int
    public var length: Int
    public var kind: TokenKind

    public init(offset: Int, length: Int, kind: TokenKind) {
        self.offset = offset
        self.length = length
        self.kind = kind
    }

    public var range: Range<Int> { offset..<(offset + length) }
}
