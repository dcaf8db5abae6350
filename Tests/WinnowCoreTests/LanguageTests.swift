import Foundation
import Testing
@_spi(Training) import WinnowCore

/// Language identification on real text: the built-in model, the identifier, the trainer, and the records.
@Suite struct LanguageTests {
    func identify(_ text: String) -> LanguageGuess {
        var identifier = LanguageIdentifier()
        var text = text
        return text.withUTF8 { identifier.identify(UnsafeRawBufferPointer($0)) }
    }

    func identify(_ bytes: [UInt8]) -> LanguageGuess {
        var identifier = LanguageIdentifier()
        return bytes.withUnsafeBytes { identifier.identify($0) }
    }

    @Test func theBuiltInModelKnowsEveryTrainingLanguage() throws {
        let model = LanguageModel.standard
        #expect(model.languageCount == 67)
        for code in ["en", "de", "bs", "hr", "sr", "ms", "id", "zh", "ja", "ar", "fa", "ur", "hi", "mr", "ne", "am", "yo"] {
            #expect(model.codes.contains(code), "\(code)")
        }
        let byScript = Dictionary(uniqueKeysWithValues: model.languagesByScript.map { ($0.script, $0.codes) })
        // Serbian is written in both alphabets, and trained in each.
        #expect(byScript[.latin]?.contains("sr") == true)
        #expect(byScript[.cyrillic]?.contains("sr") == true)
        #expect(byScript[.greek] == ["el"])
        #expect(byScript[.cjk]?.sorted() == ["ja", "zh"])
    }

    /// The embedding of the model: base64 read back whatever its line length (four characters at a time between
    /// line breaks, one at a time across them), padding only at the end, nothing outside the alphabet.
    @Test func base64ReadsBackWhatItWrote() throws {
        let bytes = Array(try fixture("seed.txt").prefix(1000))
        for length in [0, 1, 2, 3, 4, 5, 999, 1000] {
            for lineLength in [0, 7, 116] {
                let encoded = Base64.encode(Array(bytes.prefix(length)), lineLength: lineLength)
                #expect(encoded.withUnsafeBufferPointer { Base64.decode($0) } == Array(bytes.prefix(length)), "\(length) bytes, lines of \(lineLength)")
            }
        }
        func decode(_ text: String) -> [UInt8]? { Array(text.utf8).withUnsafeBufferPointer { Base64.decode($0) } }
        #expect(decode("TWFu\nTWE=") == Array("ManMa".utf8))
        #expect(decode("TW\r\nFu") == Array("Man".utf8))
        #expect(decode("TWFu!TWFu") == nil)
        #expect(decode("TWE=TWFu") == nil)
    }

    @Test(arguments: [
        ("bbc/tech-001.txt", "en"), ("bbc/sport-199.txt", "en"), ("seed.txt", "en"), ("nepali-bom.txt", "ne"),
        ("nepali-invalid-utf8.txt", "ne"), ("chinese-sohu.txt", "zh"), ("czech-12.txt", "cs"),
    ])
    func realArticlesAreIdentified(file: String, code: String) throws {
        let guess = identify(try fixture(file))
        #expect(guess.code == code)
        #expect(guess.confidence > 0.9)
    }

    @Test func arabicAndRussianDumpsAreIdentifiedArticleByArticle() throws {
        for (file, code) in [("arabic-8.jsonl", "ar"), ("ria-2.jsonl", "ru")] {
            let (_, records) = try process(try fixture(file))
            #expect(!records.isEmpty)
            for record in records {
                #expect(record[path: "language", "code"] as? String == code, "\(file): \(record["title"] ?? "")")
            }
        }
    }

    @Test func longTextsSettleEarly() throws {
        let article = try fixture("bbc/tech-001.txt")
        let guess = identify(article)
        #expect(guess.code == "en")
        #expect(guess.bytesRead < 400, "read \(guess.bytesRead) of \(article.count) bytes")
    }

    @Test func shortOrLetterlessTextsAreUndetermined() {
        for text in ["", "ok", "42 — 17. 2024-11-20", "!!!", "\u{1F600}\u{1F600}\u{1F600}"] {
            let guess = identify(text)
            #expect(guess.code == "und", "\(text)")
            #expect(guess.confidence == 0)
        }
        // Three letters of a script of one language are enough.
        #expect(identify("Ψάξε").code == "el")
        #expect(identify("Привет, как дела?").code == "ru")
    }

    @Test func closeLanguagesAreToldApartOrGiveARunnerUp() {
        // Croatian and Serbian differ in the reflex of one old vowel: vrijeme / vreme.
        #expect(identify("Vlada je u ponedjeljak objavila da će nova pravila stupiti na snagu sljedeće godine.").code == "hr")
        #expect(identify("Vlada je u ponedeljak objavila da će nova pravila stupiti na snagu sledeće godine.").code == "sr")
        #expect(identify("Pemerintah daerah akan memperbaiki jalan yang rusak karena banjir bulan lalu.").code == "id")
        // Malay and Indonesian share most words: the second is reported when it is close.
        let malay = identify("Kerajaan negeri akan membaiki jalan yang rosak kerana banjir bulan lepas.")
        let pair = Set([malay.code, malay.runnerUp?.code ?? ""])
        #expect(pair == ["ms", "id"])
        #expect(malay.confidence + (malay.runnerUp?.confidence ?? 0) > 0.95)
    }

    @Test func aTextInTwoScriptsIsTheLargerOnes() throws {
        let russian = "Москва, 31 января. Большая часть из 33 детей, которых граждане США пытались вывезти из Гаити, не являются сиротами."
        let guess = identify(russian + " Reuters reported it first.")
        #expect(guess.code == "ru")
        #expect(guess.script == .cyrillic)
        // The share of letters in other scripts lowers the confidence.
        #expect(guess.confidence < identify(russian).confidence)
        #expect(guess.confidence > 0.6)
        // Half and half is too mixed to say.
        #expect(identify("Москва столица России. Paris capital France.").code != "fr")
    }

    @Test func invalidUTF8IsNotALetter() throws {
        #expect(identify([UInt8](repeating: 0xFF, count: 300)).code == "und")
        var english = Array("The government said on Monday that the new rules would take effect next year.".utf8)
        english.insert(contentsOf: [0xC3, 0x28, 0xFF], at: 20)
        #expect(identify(english).code == "en")
        // A character cut off at the end.
        #expect(identify(Array("Привет, как дела у вас сегодня".utf8) + [0xD0]).code == "ru")
    }

    @Test func anAnswerHoldsForTextWithTheSameWords() throws {
        var identifier = LanguageIdentifier()
        let tail = String(repeating: "Ministers met again on Tuesday and the talks went on late into the night. ", count: 8)
        let page = Array(("\nThe government said on Monday that the new rules would take effect next year, after a long debate in parliament about the costs.\n" + tail).utf8)
        let guess = page.withUnsafeBytes { identifier.identify(title: UnsafeRawBufferPointer(start: nil, count: 0), body: $0) }
        #expect(guess.code == "en")
        #expect(guess.bodyBytesExamined < page.count)
        func holds(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBytes { other in page.withUnsafeBytes { guess.holds(forBody: other, examined: $0) } }
        }
        // Line breaks and spaces do not change the words.
        #expect(holds("The government said on Monday that the new rules would take effect next year, after a long debate in parliament about the costs.\n\n" + tail))
        #expect(holds("The  government said on Monday that the new rules would take effect next year,\nafter a long debate in parliament about the costs. " + tail + "More."))
        // Other words, or words run together, do.
        #expect(!holds("A government said on Monday that the new rules would take effect next year, after a long debate in parliament about the costs."))
        #expect(!holds("Thegovernment said on Monday that the new rules would take effect next year, after a long debate in parliament about the costs."))
        #expect(!holds("The government said"))
    }

    @Test func recordsKeepTheLanguageTheInputStatesBesideTheDetectedOne() throws {
        let line = #"{"title": "Ein Test", "text": "Die Regierung hat am Montag neue Regeln beschlossen, die im nächsten Jahr in Kraft treten sollen.", "lang": "de-DE"}"#
        let (_, records) = try process(Array((line + "\n").utf8))
        let record = try #require(records.first)
        #expect(record[path: "meta", "language"] as? String == "de-DE")
        #expect(record[path: "language", "code"] as? String == "de")
        let confidence = try #require(record[path: "language", "confidence"] as? Double)
        #expect(confidence > 0.9 && confidence <= 1)
    }

    @Test func onlyTheLanguagesAskedForAreWrittenAndTheRestCounted() throws {
        let arabic = try fixture("arabic-8.jsonl")
        let english = Array(#"{"title": "Budget", "text": "The government said on Monday that the new rules would take effect next year."}"#.utf8) + [0x0A]
        var configuration = PipelineConfiguration()
        configuration.languages = ["en"]
        let (processed, records) = try process(arabic + english, configuration: configuration)
        #expect(records.count == 1)
        #expect(records.first?["title"] as? String == "Budget")
        #expect(processed.tally.written == 1)
        #expect(processed.tally.languages == ["en": 1])
        #expect(processed.tally.otherLanguages == ["ar": 8])
        #expect(throws: PipelineConfiguration.LanguageListError.self) { try PipelineConfiguration.parseLanguages("en,klingon") }
        #expect(try PipelineConfiguration.parseLanguages(" en, und ,DE") == ["en", "und", "de"])
    }

    /// The counts behind the summary, the metrics and `issues.json`: the first language inline, the rest in a
    /// table, counts of 0 absent, whatever the order of adding.
    @Test func languageCountsAddUpWhateverTheOrder() {
        var counts = LanguageCounts()
        #expect(counts.isEmpty && counts.total == 0 && counts["en"] == nil)
        for code in ["en", "ar", "en", "fr", "ar", "en"] { counts.add(code) }
        #expect(counts == ["en": 3, "ar": 2, "fr": 1])
        #expect(counts.total == 6 && counts["ar"] == 2 && counts["de"] == nil)
        counts.add("en", -3)  // a chunk's repeats dropped: the first language may go, the others stay
        #expect(counts.dictionary == ["ar": 2, "fr": 1])
        counts.add("de")
        var other: LanguageCounts = ["fr": 2, "ar": -2]
        other.add(counts)
        #expect(other == ["fr": 3, "de": 1])
        #expect(other != counts)
    }

    @Test func topTermsLeaveOutTheArticlesOwnStopwords() throws {
        // Czech has no curated list: its most frequent words in the training text stand in.
        let czech = try fixture("czech-12.txt")
        let (_, records) = try process(czech)
        let terms = try #require(records.first?["top_terms"] as? [[String: Any]]).compactMap { $0["term"] as? String }
        #expect(!terms.isEmpty)
        for stopword in ["je", "se", "na", "v", "a", "který", "jsou"] { #expect(!terms.contains(stopword), "\(stopword) in \(terms)") }
        var off = PipelineConfiguration()
        off.identifyLanguage = false
        let (_, pooled) = try process(czech, configuration: off)
        #expect(pooled.first?["language"] == nil)
        let pooledTerms = (pooled.first?["top_terms"] as? [[String: Any]] ?? []).compactMap { $0["term"] as? String }
        #expect(pooledTerms != terms, "the pooled lists do not know Czech")
    }

    @Test func theTrainerIsDeterministicAndLearnsFromItsSentences() throws {
        func sentences(_ text: [UInt8]) -> [[UInt8]] {
            text.split(whereSeparator: { $0 == 0x0A || $0 == UInt8(ascii: ".") }).map { Array($0) }.filter { $0.count > 20 }
        }
        let english = sentences(try fixture("bbc/tech-001.txt") + fixture("bbc/business-001.txt") + fixture("seed.txt"))
        let czech = sentences(try fixture("czech-12.txt"))
        var configuration = LanguageModelTrainer.Configuration()
        configuration.minimumSentences = 5
        configuration.hashBits[.latin] = 12
        let corpus = [(code: "en", sentences: english), (code: "cs", sentences: czech)]
        let first = LanguageModelTrainer(corpus: corpus, configuration: configuration, folds: 2).modelBytes()
        let second = LanguageModelTrainer(corpus: corpus.reversed(), configuration: configuration, folds: 2).modelBytes()
        #expect(first == second)
        let model = try LanguageModel(bytes: first)
        #expect(model.codes == ["cs", "en"])
        var identifier = LanguageIdentifier(model: model)
        var probe = "Vláda v pondělí oznámila, že nová pravidla začnou platit příští rok."
        #expect(probe.withUTF8 { identifier.identify(UnsafeRawBufferPointer($0)) }.code == "cs")
        probe = "The company said its profits would rise next year."
        #expect(probe.withUTF8 { identifier.identify(UnsafeRawBufferPointer($0)) }.code == "en")
        // A truncated or foreign model is refused with a reason.
        #expect(throws: LanguageModelError.self) { try LanguageModel(bytes: Array(first.prefix(first.count / 2))) }
        #expect(throws: LanguageModelError.self) { try LanguageModel(bytes: Array("WLM2".utf8)) }
    }
}
