/// Token and sentence statistics of one article's clean text.
public struct TextStatistics: Sendable, Equatable {
    /// UTF-8 bytes of the clean text.
    public var bytes = 0
    /// Unicode scalars of the clean text.
    public var characters = 0
    public var tokens = 0
    /// Word-like tokens (words, alphanumerics, ideographs).
    public var words = 0
    /// Distinct case-folded words.
    public var uniqueWords = 0
    public var numbers = 0
    public var punctuation = 0
    public var sentences = 0
    public var paragraphs = 0
    /// Mean length of words, in characters.
    public var meanWordLength = 0.0
    /// Invalid UTF-8 bytes in the article's input, replaced with U+FFFD.
    public var repairedBytes = 0

    public init() {}
}

/// A frequent term of an article.
public struct TermFrequency: Sendable, Equatable {
    public var term: String
    public var count: Int
}

/// Computes statistics and top terms. Holds reusable buffers: use one analyzer per thread.
public struct Analyzer: Sendable {
    public var tokenizer = Tokenizer()
    public var sentenceSplitter = SentenceSplitter()
    /// How many top terms to report.
    public var topTermCount: Int

    private var tokens: [Token] = []
    private var sentences: [Range<Int>] = []
    private var counter = TermCounter()

    public init(topTermCount: Int = 10) {
        self.topTermCount = topTermCount
        tokens.reserveCapacity(4096)
        sentences.reserveCapacity(256)
    }

    /// Analyzes clean text.
    ///
    /// - Complexity: O(n) in the text, plus O(u log u) to rank the u distinct words.
    public mutating func analyze(_ text: UnsafeRawBufferPointer) -> (TextStatistics, [TermFrequency]) {
        tokens.removeAll(keepingCapacity: true)
        sentences.removeAll(keepingCapacity: true)
        tokenizer.tokenize(text, into: &tokens)
        // Distinct words: at most the tokens, and in prose about a third of them.
        counter.removeAll(expectedTerms: tokens.count / 2)
        sentenceSplitter.split(text, into: &sentences)

        var stats = TextStatistics()
        stats.bytes = text.count
        stats.characters = UTF8Bytes.scalarCount(text)
        stats.tokens = tokens.count
        stats.sentences = sentences.count
        var wordCharacters = 0
        for token in tokens {
            switch token.kind {
            case .word, .alphanumeric, .ideograph:
                stats.words += 1
                let word = UnsafeRawBufferPointer(rebasing: text[token.range])
                wordCharacters += counter.add(word, readable: text.count - token.offset)
            case .number:
                stats.numbers += 1
            case .punctuation:
                stats.punctuation += 1
            case .symbol, .emoji, .url, .email, .hashtag, .mention, .ticker:
                break
            }
        }
        stats.uniqueWords = counter.uniqueCount
        stats.meanWordLength = stats.words > 0 ? Double(wordCharacters) / Double(stats.words) : 0
        return (stats, topTerms())
    }

    /// The most frequent words that are not stopwords, ties broken by the term's bytes, so the order is stable.
    private func topTerms() -> [TermFrequency] {
        guard topTermCount > 0 else { return [] }
        var candidates: [TermCounter.Entry] = []
        let stopwords = PackedStopwords.shared
        let everyTerm = counter.entries.count < 50
        for entry in counter.entries where entry.count > 1 || everyTerm {
            if entry.length < 2 && (entry.length == 0 || entry.low & 0x80 == 0) { continue }
            if entry.length <= 16 {
                // Short terms carry their folded bytes packed: no hashing byte by byte.
                if stopwords.contains(low: entry.low, high: entry.high) { continue }
            } else if allStopwords.contains(Array(counter.term(entry))) {
                continue  // longer than 16 bytes: rare, so a set of arrays will do
            }
            candidates.append(entry)
        }
        candidates.sort { a, b in
            if a.count != b.count { return a.count > b.count }
            return counter.term(a).lexicographicallyPrecedes(counter.term(b))
        }
        return candidates.prefix(topTermCount).map { entry in
            TermFrequency(term: String(decoding: counter.term(entry), as: UTF8.self), count: Int(entry.count))
        }
    }
}
