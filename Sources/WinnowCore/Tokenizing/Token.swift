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
/// Eight bytes, so the token array of a long text costs half the memory traffic: the offset is stored in 32
/// bits (`Tokenizer` accepts texts up to 4 GiB) and the length in 24 (`maxLength`; the tokenizer splits a longer
/// run, such as a 20 MB line of letters, into pieces of that length).
public struct Token: Sendable, Equatable {
    @usableFromInline var storedOffset: UInt32
    @usableFromInline var storedLength: UInt16
    @usableFromInline var storedLengthHigh: UInt8
    public var kind: TokenKind

    /// The longest token: 16 MiB − 1 bytes.
    public static let maxLength = (1 << 24) - 1
    /// The largest offset: texts are at most 4 GiB.
    public static let maxOffset = Int(UInt32.max)

    @inlinable
    public init(offset: Int, length: Int, kind: TokenKind) {
        assert(offset >= 0 && offset <= Token.maxOffset && length >= 0 && length <= Token.maxLength)
        self.storedOffset = UInt32(truncatingIfNeeded: offset)
        self.storedLength = UInt16(truncatingIfNeeded: length)
        self.storedLengthHigh = UInt8(truncatingIfNeeded: length >> 16)
        self.kind = kind
    }

    /// The token's eight bytes as one word, for loops that store tokens with one write: the offset in the low
    /// 32 bits, then the length (at most 16 bits here), then the kind in the top byte. `Token`'s stored
    /// properties are laid out in that order (`packedLayoutHolds` checks it).
    @inline(__always)
    static func packed(offset: Int, shortLength: Int, kind: TokenKind) -> UInt64 {
        UInt64(truncatingIfNeeded: offset) & 0xFFFF_FFFF | UInt64(truncatingIfNeeded: shortLength) << 32
            | UInt64(kind.rawValue) << 56
    }

    /// Whether a token's memory is its `packed` word.
    @_spi(Testing) public static var packedLayoutHolds: Bool {
        let token = Token(offset: 0x0102_0304, length: 0x0506, kind: .ticker)
        return MemoryLayout<Token>.size == 8
            && unsafeBitCast(token, to: UInt64.self) == packed(offset: 0x0102_0304, shortLength: 0x0506, kind: .ticker)
    }

    @inlinable
    public var offset: Int {
        get { Int(storedOffset) }
        set { storedOffset = UInt32(truncatingIfNeeded: newValue) }
    }

    @inlinable
    public var length: Int {
        get { Int(storedLength) | Int(storedLengthHigh) << 16 }
        set {
            storedLength = UInt16(truncatingIfNeeded: newValue)
            storedLengthHigh = UInt8(truncatingIfNeeded: newValue >> 16)
        }
    }

    @inlinable public var range: Range<Int> { offset..<(offset + length) }
    @inlinable public var end: Int { offset + length }
}
