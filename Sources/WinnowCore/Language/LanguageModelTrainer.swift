#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Trains a `LanguageModel` from sentences in known languages, and measures it by cross-validation.
///
/// Training is counting, so it is deterministic: the same sentences and configuration give the same bytes.
/// Each sentence is filed under its language and its dominant script. A script that one language has enough
/// sentences in names that language; a script several languages have enough sentences in gets a table, with
/// each language's naive Bayes log-probabilities (additive smoothing) of the hashed features of its sentences
/// in that script. Training a language per script keeps, say, Serbian in Latin letters from being diluted by
/// Serbian in Cyrillic.
@_spi(Training)
public struct LanguageModelTrainer: Sendable {
    public struct Configuration: Sendable {
        /// Hash bits of each script's table (rows = 2^bits); scripts not listed get `defaultHashBits`.
        public var hashBits: [Script: Int] = [.latin: 16, .cyrillic: 15, .cjk: 15, .arabic: 14, .devanagari: 14]
        public var defaultHashBits = 14
        /// Additive smoothing of the feature counts.
        public var smoothing = 0.03
        /// Weight units per natural-log unit (weights are rounded to 8 bits).
        public var unitsPerNat = 8.0
        /// Sums of log-probabilities are divided by this for the reported posterior (naive Bayes counts
        /// overlapping trigrams and words as independent evidence, so its raw posterior is overconfident).
        public var temperature = 4.0
        /// A language is a candidate in a script when it has at least this many sentences in it, and this share
        /// of its sentences.
        public var minimumSentences = 100
        public var minimumShare = 0.05

        public init() {}
    }

    /// A training sentence: its language, its dominant script and its features in that script.
    struct Sentence: Sendable {
        var language: Int
        var script: Script
        var fold: Int
        var features: [UInt32]
        var text: [UInt8]
    }

    public let codes: [String]
    public let configuration: Configuration
    let sentences: [Sentence]
    /// Scripts named by one language, and scripts shared by several (with their languages, in code order).
    let singles: [Script: Int]
    let groups: [Script: [Int]]
    public let folds: Int

    /// - Parameters:
    ///   - corpus: per language, its ISO 639-1 code and its sentences (one per element, UTF-8).
    ///   - folds: how many cross-validation folds sentences are dealt into, in blocks of eight consecutive ones.
    public init(corpus: [(code: String, sentences: [[UInt8]])], configuration: Configuration = Configuration(), folds: Int = 5) {
        let corpus = corpus.sorted { $0.code < $1.code }
        codes = corpus.map(\.code)
        self.configuration = configuration
        self.folds = max(2, folds)
        var sentences: [Sentence] = []
        var perScript: [Script: [Int: Int]] = [:]
        for (language, entry) in corpus.enumerated() {
            for (i, text) in entry.sentences.enumerated() {
                var counts = ScriptCounts()
                _ = text.withUnsafeBytes { counts.add($0) }
                let script = counts.dominant
                guard script != .none && script != .other else { continue }
                perScript[script, default: [:]][language, default: 0] += 1
                sentences.append(Sentence(language: language, script: script, fold: (i / 8) % self.folds, features: [], text: text))
            }
        }
        var singles: [Script: Int] = [:]
        var groups: [Script: [Int]] = [:]
        for (script, byLanguage) in perScript {
            let qualified = byLanguage.filter { language, count in
                count >= configuration.minimumSentences
                    && Double(count) >= configuration.minimumShare * Double(corpus[language].sentences.count)
            }.keys.sorted()
            if qualified.count == 1 {
                singles[script] = qualified[0]
            } else if qualified.count > 1 {
                groups[script] = qualified
            }
        }
        // Features are read once, by the identifier's own scanner.
        for index in sentences.indices where groups[sentences[index].script] != nil {
            sentences[index].features = Self.features(of: sentences[index].text, script: sentences[index].script)
        }
        self.sentences = sentences
        self.singles = singles
        self.groups = groups
    }

    /// Every feature the identifier reads in `text` for `script`.
    static func features(of text: [UInt8], script: Script) -> [UInt32] {
        var scanner = LanguageFeatureScanner(script: script)
        var all: [UInt32] = []
        text.withUnsafeBytes { text in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { buffer in
                while true {
                    let n = scanner.next(text, into: buffer.baseAddress!, capacity: 256)
                    if n == 0 { break }
                    all.append(contentsOf: buffer.prefix(n))
                }
            }
        }
        return all
    }

    /// The model's bytes, trained on every sentence except those of fold `heldOut`.
    public func modelBytes(heldOut: Int? = nil) -> [UInt8] {
        var out: [UInt8] = Array("WLM1".utf8)
        func u16(_ v: Int) { out.append(UInt8(v & 0xFF)); out.append(UInt8((v >> 8) & 0xFF)) }
        func f32(_ v: Double) {
            let bits = Float(v).bitPattern
            for k in 0..<4 { out.append(UInt8((bits >> (8 * UInt32(k))) & 0xFF)) }
        }
        u16(codes.count)
        for code in codes {
            var bytes = Array(code.utf8.prefix(4))
            while bytes.count < 4 { bytes.append(0) }
            out += bytes
        }
        let singleScripts = singles.keys.sorted { $0.rawValue < $1.rawValue }
        u16(singleScripts.count)
        for script in singleScripts {
            out.append(script.rawValue)
            out.append(0)
            u16(singles[script]!)
        }
        let groupScripts = groups.keys.sorted { $0.rawValue < $1.rawValue }
        u16(groupScripts.count)
        for script in groupScripts {
            let languages = groups[script]!
            let bits = configuration.hashBits[script] ?? configuration.defaultHashBits
            // Rows of 16, 32 or 64 bytes: a row never spans two cache lines (the table is 64-byte aligned).
            let stride = languages.count <= 16 ? 16 : languages.count <= 32 ? 32 : 64
            out.append(script.rawValue)
            out.append(UInt8(bits))
            u16(languages.count)
            u16(stride)
            u16(0)
            f32(1 / configuration.unitsPerNat)
            f32(configuration.temperature)
            for language in languages { u16(language) }
            while out.count % 64 != 0 { out.append(0) }
            out += weights(script: script, languages: languages, bits: bits, stride: stride, heldOut: heldOut)
        }
        return out
    }

    /// The quantized, centred log-probabilities of one script's table, row after row.
    func weights(script: Script, languages: [Int], bits: Int, stride: Int, heldOut: Int?) -> [UInt8] {
        let rows = 1 << bits
        let k = languages.count
        var column = [Int](repeating: -1, count: codes.count)
        for (i, language) in languages.enumerated() { column[language] = i }
        var counts = [UInt32](repeating: 0, count: rows * k)
        var totals = [Double](repeating: 0, count: k)
        let shift = UInt32(32 - bits)
        for sentence in sentences where sentence.script == script && sentence.fold != heldOut {
            let c = column[sentence.language]
            guard c >= 0 else { continue }
            for feature in sentence.features {
                counts[Int(feature >> shift) * k + c] += 1
            }
            totals[c] += Double(sentence.features.count)
        }
        let alpha = configuration.smoothing
        let denominators = totals.map { log($0 + alpha * Double(rows)) }
        var out = [UInt8](repeating: 0, count: rows * stride)
        var logs = [Double](repeating: 0, count: k)
        for row in 0..<rows {
            var mean = 0.0
            for c in 0..<k {
                logs[c] = log(Double(counts[row * k + c]) + alpha) - denominators[c]
                mean += logs[c]
            }
            mean /= Double(k)
            for c in 0..<k {
                let q = ((logs[c] - mean) * configuration.unitsPerNat).rounded()
                out[row * stride + c] = UInt8(bitPattern: Int8(max(-127, min(127, q))))
            }
        }
        return out
    }
}

@_spi(Training)
extension LanguageModelTrainer {
    /// Accuracy per language on held-out sentences and on snippets made of them.
    public struct Evaluation: Sendable {
        public var codes: [String]
        /// Per language: correct and total, for sentences and for snippets.
        public var sentences: [(correct: Int, total: Int)]
        public var snippets: [(correct: Int, total: Int)]
        /// Texts of about 2,000 bytes (news-article length) made of the fold's sentences.
        public var documents: [(correct: Int, total: Int)]
        /// Bytes read before the documents' answers settled, and their total bytes.
        public var documentBytesRead = 0
        public var documentBytes = 0
        /// (true, answered) → count, for the errors on sentences.
        public var confusions: [String: Int]
        /// Sentences by the confidence of their answer, in tenths (0.0–0.1 … 0.9–1.0): answered, and right.
        public var calibration = [(answered: Int, right: Int)](repeating: (0, 0), count: 10)

        /// The mean over languages of the share answered right.
        public static func macro(_ table: [(correct: Int, total: Int)]) -> Double {
            let rates = table.filter { $0.total > 0 }.map { Double($0.correct) / Double($0.total) }
            return rates.isEmpty ? 0 : rates.reduce(0, +) / Double(rates.count)
        }
    }

    /// Cross-validation: for each fold, a model trained on the others answers the fold's sentences, and
    /// snippets of `snippetBytes` made by joining the fold's sentences of each language (cut at a character).
    public func evaluate(snippetBytes: Int = 200, identifier configure: (inout LanguageIdentifier) -> Void = { _ in }) throws
        -> Evaluation
    {
        var evaluation = Evaluation(
            codes: codes,
            sentences: Array(repeating: (0, 0), count: codes.count),
            snippets: Array(repeating: (0, 0), count: codes.count),
            documents: Array(repeating: (0, 0), count: codes.count),
            confusions: [:]
        )
        for fold in 0..<folds {
            let model = try LanguageModel(bytes: modelBytes(heldOut: fold))
            var identifier = LanguageIdentifier(model: model)
            configure(&identifier)
            var joined = [[UInt8]](repeating: [], count: codes.count)
            for sentence in sentences where sentence.fold == fold {
                let guess = sentence.text.withUnsafeBytes { identifier.identify($0) }
                let answer = guess.code
                let truth = codes[sentence.language]
                let bin = min(9, Int(guess.confidence * 10))
                evaluation.calibration[bin].answered += 1
                if answer == truth { evaluation.calibration[bin].right += 1 }
                evaluation.sentences[sentence.language].total += 1
                if answer == truth {
                    evaluation.sentences[sentence.language].correct += 1
                } else {
                    evaluation.confusions["\(truth)\t\(answer)", default: 0] += 1
                }
                if !joined[sentence.language].isEmpty { joined[sentence.language].append(0x20) }
                joined[sentence.language] += sentence.text
            }
            for (language, text) in joined.enumerated() {
                var start = 0
                while text.count - start > 2000 {
                    var end = start + 2000
                    while end > start && text[end] != 0x20 { end -= 1 }
                    if end == start { end = start + 2000 }
                    let guess = text[start..<end].withUnsafeBytes { identifier.identify($0) }
                    evaluation.documents[language].total += 1
                    evaluation.documentBytesRead += guess.bytesRead
                    evaluation.documentBytes += end - start
                    if guess.code == codes[language] { evaluation.documents[language].correct += 1 }
                    start = end
                }
                start = 0
                while text.count - start > snippetBytes {
                    var end = start + snippetBytes
                    while end > start && text[end] & 0xC0 == 0x80 { end -= 1 }
                    let answer = text[start..<end].withUnsafeBytes { identifier.identify($0) }.code
                    evaluation.snippets[language].total += 1
                    if answer == codes[language] { evaluation.snippets[language].correct += 1 }
                    start = end
                }
            }
        }
        return evaluation
    }
}

@_spi(Training)
extension LanguageModelTrainer {
    /// The `count` words most sentences of a language contain (case-folded, letters of the language's main
    /// script only), most frequent first, ties by their bytes; for scripts written without spaces, none.
    ///
    /// These serve as the stopwords of languages without a curated list: in every language the most common
    /// words are its function words (articles, pronouns, prepositions, auxiliaries).
    public func frequentWords(of code: String, count: Int, maxBytes: Int = 16) -> [String] {
        guard let language = codes.firstIndex(of: code) else { return [] }
        var byScript: [Script: Int] = [:]
        for sentence in sentences where sentence.language == language { byScript[sentence.script, default: 0] += 1 }
        guard let script = byScript.max(by: { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) })?.key,
            script.separatesWords
        else { return [] }
        var frequency: [[UInt8]: Int] = [:]
        for sentence in sentences where sentence.language == language && sentence.script == script {
            var seen = Set<[UInt8]>()
            for word in Self.words(sentence.text, script: script) where word.count <= maxBytes { seen.insert(word) }
            for word in seen { frequency[word, default: 0] += 1 }
        }
        let ranked = frequency.sorted { a, b in a.value != b.value ? a.value > b.value : a.key.lexicographicallyPrecedes(b.key) }
        return ranked.prefix(count).map { String(decoding: $0.key, as: UTF8.self) }
    }

    /// The languages with a curated stopword list (the others get `frequentWords`).
    public static var curatedStopwordLanguages: Set<String> { Set(stopwordLists.keys) }

    /// The case-folded words of `text` written in `script`, as the language features see them (final sigma
    /// kept as written, so that the words match text as it is written).
    static func words(_ text: [UInt8], script: Script) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var word: [UInt8] = []
        text.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let end = base + buffer.count
            var p = base
            while p < end {
                let decoded = UTF8Bytes.decode(p, end)
                p += decoded.length
                let s = Script.of(decoded.scalar, table: Script.bmpTable)
                if s == script || (s == .inherited && !word.isEmpty) {
                    let lower = decoded.scalar == 0x03C2 ? decoded.scalar : UnicodeProperties.fold(decoded.scalar)
                    UTF8Bytes.append(scalar: lower, to: &word)
                } else if !word.isEmpty {
                    words.append(word)
                    word.removeAll()
                }
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }
}
