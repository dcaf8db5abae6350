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

    /// Whether `analyze` keeps each word's and number's term hash, in order (`terms`), for a near-duplicate
    /// signature.
    public var keepsTerms = false

    private var tokens: [Token] = []
    private var sentences: [Range<Int>] = []
    private var counter = TermCounter()
    private var termBuffer: [UInt32] = []

    public init(topTermCount: Int = 10) {
        self.topTermCount = topTermCount
        tokens.reserveCapacity(4096)
        sentences.reserveCapacity(256)
    }

    /// Analyzes clean text.
    ///
    /// - Parameters:
    ///   - text: the text; invalid UTF-8 counts as U+FFFD.
    ///   - validUTF8: whether `text` is known to be valid UTF-8 (a cleaner's text always is): its characters
    ///     are then counted 16 bytes at a time, with no sequence checked.
    ///   - language: the text's language (ISO 639-1), whose stopwords are left out of the top terms; nil or
    ///     `und`: all the curated lists pooled.
    /// - Complexity: O(n) in the text, plus O(u log u) to rank the u distinct words.
    public mutating func analyze(_ text: UnsafeRawBufferPointer, validUTF8: Bool = false, language: String? = nil)
        -> (TextStatistics, [TermFrequency])
    {
        analyze(text, validUTF8: validUTF8, stopwords: language.map(StopwordList.forLanguage) ?? .pooled)
    }

    /// `analyze` with the stopword list in hand (the pipeline keeps the last language's).
    mutating func analyze(_ text: UnsafeRawBufferPointer, validUTF8: Bool, stopwords: StopwordList) -> (TextStatistics, [TermFrequency]) {
        tokens.removeAll(keepingCapacity: true)
        sentences.removeAll(keepingCapacity: true)
        tokenizer.tokenize(text, into: &tokens)
        // Distinct words: at most the tokens, and in prose about a third of them. Sized for all of them, the
        // table is at most half full and in prose a sixth: fewer probes collide (a table for half of them was
        // 4 % slower on news; one for twice as many, no faster).
        counter.removeAll(expectedTerms: tokens.count)
        sentenceSplitter.split(text, into: &sentences)

        var stats = TextStatistics()
        stats.bytes = text.count
        if validUTF8, let start = text.baseAddress?.assumingMemoryBound(to: UInt8.self) {
            assert(UTF8Bytes.invalidByteCount(text) == 0, "analyze(_:validUTF8:) given invalid UTF-8")
            stats.characters = UTF8Bytes.characterStarts(from: start, to: start + text.count)
        } else {
            stats.characters = UTF8Bytes.scalarCount(text)
        }
        stats.tokens = tokens.count
        stats.sentences = sentences.count
        let (words, wordCharacters): (Int, Int)
        if keepsTerms {
            if termBuffer.count < tokens.count { termBuffer = Array(repeating: 0, count: max(tokens.count, 2 * termBuffer.count)) }
            (words, wordCharacters) = termBuffer.withUnsafeMutableBufferPointer { counter.countWords(tokens, in: text, terms: $0.baseAddress) }
        } else {
            (words, wordCharacters) = counter.countWords(tokens, in: text)
        }
        stats.words = words
        for token in tokens {
            stats.numbers += token.kind == .number ? 1 : 0
            stats.punctuation += token.kind == .punctuation ? 1 : 0
        }
        stats.uniqueWords = counter.uniqueCount
        stats.meanWordLength = stats.words > 0 ? Double(wordCharacters) / Double(stats.words) : 0
        return (stats, topTerms(stopwords: stopwords))
    }

    /// The near-duplicate signature of the last text analysed (with `keepsTerms` on); nil for a text without words.
    public func signature() -> DuplicateSignature? {
        withTerms { DuplicateSignature(terms: $0) }
    }

    /// The term hashes of the words and numbers of the last text analysed, in order (when `keepsTerms`), copied.
    public func withTermArray() -> [UInt32] { withTerms { Array($0) } }

    /// The term hashes of the words and numbers of the last text analysed, in order (when `keepsTerms`).
    func withTerms<R>(_ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
        termBuffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0.prefix(keepsTerms ? counter.termCount : 0))) }
    }

    /// The most frequent words that are not stopwords, ties broken by the term's bytes, so the order is stable.
    ///
    /// One pass keeps the best `topTermCount` in order: most terms lose to the last of them in one comparison,
    /// before their stopword test.
    private func topTerms(stopwords list: StopwordList) -> [TermFrequency] {
        guard topTermCount > 0 else { return [] }
        func ranksBefore(_ a: TermCounter.Entry, _ b: TermCounter.Entry) -> Bool {
            a.count != b.count ? a.count > b.count : counter.precedes(a, b)
        }
        var top: [TermCounter.Entry] = []
        top.reserveCapacity(topTermCount + 1)
        let stopwords = list.packed
        // Terms seen once rank only when few terms are.
        counter.forEachTerm(repeatedOnly: counter.uniqueCount >= 50) { entry in
            if top.count == topTermCount && !ranksBefore(entry, top[top.count - 1]) { return }
            if entry.length < 2 && entry.low & 0x80 == 0 { return }
            if entry.length <= 16 {
                // Short terms carry their folded bytes packed: no hashing byte by byte.
                if stopwords.contains(low: entry.low, high: entry.high) { return }
            } else if list.words.contains(counter.term(entry)) {
                return  // longer than 16 bytes: rare, so a set of arrays will do
            }
            var position = top.count
            while position > 0 && ranksBefore(entry, top[position - 1]) { position -= 1 }
            top.insert(entry, at: position)
            if top.count > topTermCount { top.removeLast() }
        }
        return top.map { entry in
            TermFrequency(term: counter.termString(entry), count: Int(entry.count))
        }
    }
}
