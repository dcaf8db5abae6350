/// Metadata found in an article: given by the reader (JSON fields) or moved out of the text by the cleaner.
public struct ArticleMeta: Sendable, Equatable {
    public var url: String?
    public var date: String?
    /// The `WARC-Record-ID` of a web archive record.
    public var recordID: String?
    public var author: String?
    public var source: String?
    public var byline: String?
    public var dateline: String?
    public var published: String?
    public var updated: String?
    public var tags: [String] = []
    public var credits: [String] = []
    public var generator: String?
    public var editor: String?
    public var notes: [String] = []
    /// Whether the article body was cut at the size limit.
    public var truncated = false

    public init() {}
}

/// One span removed from (or moved out of) the text, and why.
public struct Removal: Sendable, Equatable {
    public enum Disposition: String, Sendable {
        /// Removed as boilerplate.
        case dropped
        /// Moved into `meta`.
        case meta
    }

    /// The name of the rule that removed it.
    public var rule: String
    public var disposition: Disposition
    /// Byte offset in the input file, or in the article's text field for decoded (JSON) bodies.
    public var offset: Int
    public var length: Int
    /// Where the span starts in the body that was cleaned.
    public var bodyOffset: Int
}

/// The result of cleaning one article.
public struct CleanedArticle: Sendable {
    /// The body: kept paragraphs joined by one blank line, valid UTF-8.
    public var text: [UInt8]
    public var paragraphs: Int
    public var removed: [Removal]
    public var meta: ArticleMeta
}

/// Separates an article's body from the page chrome around it, line by line, and says why for each line.
///
/// Explicit phrase rules (a `RuleSet`) come first; named heuristics add to them:
/// - `footer`: once body text has been seen, a footer marker (such as "Comments") ends the article;
/// - `title-repeat`: the title repeated as the first line of the body.
public struct Cleaner: Sendable {
    public var rules: RuleSet
    /// Lines recurring across documents (see `LineMemory`); they are removed as `repeated-line`.
    public var memory: LineMemory?

    public init(rules: RuleSet = .standard, memory: LineMemory? = nil) {
        self.rules = rules
        self.memory = memory
    }

    /// A line of the body, as a byte range with its classification.
    struct Line {
        var range: Range<Int>  // trimmed, relative to the body
        var fullRange: Range<Int>  // untrimmed, without the line break
        var rule: String?
        var disposition: Removal.Disposition = .dropped
    }

    /// Cleans one article.
    ///
    /// - Parameters:
    ///   - body: the body bytes (any line endings; invalid UTF-8 is repaired in the result).
    ///   - title: the article's title, to drop it when the body repeats it.
    ///   - baseOffset: where `body` starts in the input file, so removals carry file offsets.
    ///   - meta: metadata already known; the cleaner adds to it.
    /// - Complexity: O(n) in the body's length.
    public func clean(
        body: UnsafeRawBufferPointer,
        title: UnsafeRawBufferPointer,
        baseOffset: Int = 0,
        meta: ArticleMeta = ArticleMeta()
    ) -> CleanedArticle {
        var meta = meta
        var lines = Self.splitLines(body)
        var footerMarkers: [Int: String] = [:]
        var features: [LineFeatures?] = Array(repeating: nil, count: lines.count)

        // 1. Phrase rules, line by line; every other line gets its features.
        for i in lines.indices {
            let range = lines[i].range
            if range.isEmpty { continue }
            if repeatsTitle(body, range, title) {
                lines[i].rule = "title-repeat"
                continue
            }
            if let (rule, matchLength) = rules.firstMatch(UnsafeRawBufferPointer(rebasing: body[range])) {
                switch rule.action {
                case .drop:
                    lines[i].rule = rule.name
                    continue
                case .footer:
                    lines[i].rule = rule.name
                    footerMarkers[i] = rule.name
                    continue
                case .meta(let key):
                    let value = body[(range.lowerBound + matchLength)..<range.upperBound]
                    if Self.addMeta(key, value: UnsafeRawBufferPointer(rebasing: value), line: UnsafeRawBufferPointer(rebasing: body[range]), to: &meta) {
                        lines[i].rule = rule.name
                        lines[i].disposition = .meta
                        continue
                    }
                }
            }
            if let memory, memory.isRepeated(body, range) {
                lines[i].rule = "repeated-line"
                continue
            }
            features[i] = LineFeatures(UnsafeRawBufferPointer(rebasing: body[range]), readable: body.count - range.lowerBound)
        }

        // 2. The main text: the run of lines with the largest total score (long, sentence-like lines score up,
        //    short and menu-like lines down).
        var candidates = lines.indices.filter { features[$0] != nil }
        guard candidates.contains(where: { features[$0]!.isBody }) else {
            // Nothing reads like body text (a short item, a title-only record): keep what the rules kept.
            return assemble(body: body, lines: lines, baseOffset: baseOffset, meta: meta)
        }
        // Does the document's language have stopwords here? (Then prose lines are full of them.)
        var totalWords = 0
        var totalStopwords = 0
        for i in candidates {
            totalWords += features[i]!.words
            totalStopwords += features[i]!.stopwords
        }
        let stopwordLanguage = totalStopwords * 10 >= totalWords
        // Lines the rules removed still separate text: they count against a region that spans them.
        let ruleLines = lines.indices.filter { lines[$0].rule != nil && !footerMarkers.keys.contains($0) }
        let sequence = (candidates + ruleLines).sorted()
        let sequenceRegion = Self.mainRegion(sequence.map { features[$0]?.score(stopwordLanguage: stopwordLanguage) ?? ruledLinePenalty })
        let firstLine = sequence[sequenceRegion.lowerBound]
        let lastLine = sequence[sequenceRegion.upperBound - 1]
        let inRegion = candidates.indices.filter { candidates[$0] >= firstLine && candidates[$0] <= lastLine }
        var region = (inRegion.first ?? 0)..<((inRegion.last ?? -1) + 1)

        // 3. The footer zone: a footer marker ("Comments") after the main text began ends the article. One
        //    before it (a share bar's "Comments" link) does not.
        //    Nor does one with more of the main text after it than before it.
        let mainStart = candidates[region.lowerBound]
        let regionScores = region.map { (line: candidates[$0], score: max(0, features[candidates[$0]]!.score(stopwordLanguage: stopwordLanguage))) }
        let ending = footerMarkers.keys.sorted().first { marker in
            guard marker > mainStart else { return false }
            let before = regionScores.filter { $0.line < marker }.reduce(0) { $0 + $1.score }
            let after = regionScores.filter { $0.line > marker }.reduce(0) { $0 + $1.score }
            // A couple of real paragraphs before it, or more text before than after: the end of the article.
            return before >= 10 || before >= after
        }
        if let marker = ending {
            let footerRule = "after-\(footerMarkers[marker]!)"
            for i in (marker + 1)..<lines.count where lines[i].rule == nil && !lines[i].range.isEmpty {
                lines[i].rule = footerRule
                features[i] = nil
            }
            let kept = candidates.filter { $0 < marker }
            if kept.count < candidates.count {
                candidates = kept
                region = region.clamped(to: 0..<kept.count)
            }
        }

        // 4. Context smoothing: inside the main text a short line between two body lines is a subheading or a
        //    short paragraph and stays; everything outside it goes.
        func isProse(_ k: Int) -> Bool { features[candidates[k]]!.score(stopwordLanguage: stopwordLanguage) > 0 }
        for (k, i) in candidates.enumerated() {
            let f = features[i]!
            if !region.contains(k) {
                lines[i].rule = f.isSentenceLike ? "outside-article" : (f.words <= 3 ? "menu" : "short-line")
                continue
            }
            if isProse(k) { continue }
            let before = k > region.lowerBound && isProse(k - 1)
            let after = k + 1 < region.upperBound && isProse(k + 1)
            if !(before && after) {
                lines[i].rule = f.words <= 3 ? "menu" : (f.isSentenceLike ? "not-prose" : "short-line")
            }
        }
        return assemble(body: body, lines: lines, baseOffset: baseOffset, meta: meta)
    }

    /// What a line removed by a phrase rule counts in the main-text search.
    var ruledLinePenalty: Double { -1.5 }

    /// The indices of the contiguous run with the largest total score (Kadane), the earliest on ties.
    static func mainRegion(_ scores: [Double]) -> Range<Int> {
        var best = -Double.infinity
        var bestRange = 0..<0
        var sum = 0.0
        var start = 0
        for (k, score) in scores.enumerated() {
            if sum <= 0 {
                sum = 0
                start = k
            }
            sum += score
            if sum > best {
                best = sum
                bestRange = start..<(k + 1)
            }
        }
        return bestRange
    }

    /// Joins the kept lines into the text, paragraphs broken at blank or removed lines, and lists removals.
    private func assemble(body: UnsafeRawBufferPointer, lines: [Line], baseOffset: Int, meta: ArticleMeta) -> CleanedArticle {
        // Assemble the text: kept lines, paragraphs broken at blank or removed lines.
        var text: [UInt8] = []
        text.reserveCapacity(body.count)
        var removed: [Removal] = []
        var paragraphs = 0
        var inParagraph = false
        for line in lines {
            if let rule = line.rule {
                removed.append(
                    Removal(
                        rule: rule,
                        disposition: line.disposition,
                        offset: baseOffset + line.fullRange.lowerBound,
                        length: line.fullRange.count,
                        bodyOffset: line.fullRange.lowerBound
                    )
                )
                inParagraph = false
                continue
            }
            if line.range.isEmpty {
                inParagraph = false
                continue
            }
            if inParagraph {
                text.append(0x0A)
            } else {
                if paragraphs > 0 { text.append(contentsOf: [0x0A, 0x0A]) }
                paragraphs += 1
                inParagraph = true
            }
            UTF8Bytes.appendRepairing(UnsafeRawBufferPointer(rebasing: body[line.range]), to: &text)
        }
        return CleanedArticle(text: text, paragraphs: paragraphs, removed: removed, meta: meta)
    }

    /// Splits at LF, CRLF, lone CR and U+2028/U+2029, trimming ASCII whitespace.
    static func splitLines(_ body: UnsafeRawBufferPointer) -> [Line] {
        var lines: [Line] = []
        lines.reserveCapacity(body.count / 40 + 1)
        var start = 0
        var i = 0
        let n = body.count
        let base = body.baseAddress
        while i < n {
            // Eight bytes at a time to the next byte that can start a line end (LF, CR, or E2 of U+2028/9).
            if let base, n - i >= 8 {
                let w = (base + i).loadUnaligned(as: UInt64.self)
                let candidates = byteEqualBits(w, 0x0A) | byteEqualBits(w, 0x0D) | byteEqualBits(w, 0xE2)
                if candidates == 0 {
                    i += 8
                    continue
                }
                i += candidates.trailingZeroBitCount >> 3
            }
            let b = body[i]
            var breakLength = 0
            if b == 0x0A {
                breakLength = 1
            } else if b == 0x0D {
                breakLength = i + 1 < n && body[i + 1] == 0x0A ? 2 : 1
            } else if b == 0xE2, i + 2 < n, body[i + 1] == 0x80, body[i + 2] == 0xA8 || body[i + 2] == 0xA9 {
                breakLength = 3
            }
            if breakLength > 0 {
                lines.append(Line(range: trimWhitespace(body, start..<i), fullRange: start..<i))
                i += breakLength
                start = i
            } else {
                i += 1
            }
        }
        if start < n {
            lines.append(Line(range: trimWhitespace(body, start..<n), fullRange: start..<n))
        }
        return lines
    }

    /// Whether a line repeats the title: equal to it (ignoring ASCII case), or equal to its part before a
    /// site-name suffix (" - Site", " | Site").
    private func repeatsTitle(_ body: UnsafeRawBufferPointer, _ range: Range<Int>, _ title: UnsafeRawBufferPointer) -> Bool {
        let t = trimWhitespace(title, 0..<title.count)
        guard !t.isEmpty, range.count <= t.count, range.count * 2 >= t.count else { return false }
        for k in 0..<range.count where asciiLower(title[t.lowerBound + k]) != asciiLower(body[range.lowerBound + k]) {
            return false
        }
        if range.count == t.count { return true }
        let rest = t.lowerBound + range.count
        guard rest + 2 < t.upperBound, title[rest] == 0x20 else { return false }
        let separator = title[rest + 1]
        return separator == UInt8(ascii: "-") || separator == UInt8(ascii: "|") || separator == UInt8(ascii: ":")
            || separator == 0xE2  // – — (en and em dashes)
    }

    /// Stores a metadata value; returns false when the value does not fit the key (the line stays body).
    static func addMeta(
        _ key: RuleSet.MetaKey,
        value raw: UnsafeRawBufferPointer,
        line: UnsafeRawBufferPointer,
        to meta: inout ArticleMeta
    ) -> Bool {
        let value = cleanValue(raw)
        switch key {
        case .byline:
            guard looksLikeNames(value) else { return false }
            meta.byline = meta.byline ?? value
        case .dateline:
            meta.dateline = meta.dateline ?? value
        case .published:
            guard value.utf8.count <= 80 else { return false }
            meta.published = meta.published ?? value
        case .updated:
            guard value.utf8.count <= 80 else { return false }
            meta.updated = meta.updated ?? value
        case .tags:
            for tag in value.split(separator: ",") {
                let trimmed = tag.trimmingCharacters(in: " \t")
                if !trimmed.isEmpty { meta.tags.append(trimmed) }
            }
        case .credits:
            meta.credits.append(cleanValue(line))
        case .generator:
            let note = cleanValue(line)
            let (generator, editor) = parseGeneratorNote(note)
            if let generator { meta.generator = generator }
            if let editor { meta.editor = editor }
            if generator == nil && editor == nil { meta.notes.append(note) }
        case .notes:
            meta.notes.append(cleanValue(line))
        }
        return true
    }

    static func cleanValue(_ bytes: UnsafeRawBufferPointer) -> String {
        var start = 0
        var end = bytes.count
        func isTrim(_ b: UInt8) -> Bool { isASCIIWhitespace(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: "-") }
        while start < end, isTrim(bytes[start]) { start += 1 }
        while end > start, isASCIIWhitespace(bytes[end - 1]) { end -= 1 }
        var out: [UInt8] = []
        UTF8Bytes.appendRepairing(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A byline names people: a few words, most capitalised, no sentence punctuation at the end.
    static func looksLikeNames(_ value: String) -> Bool {
        let words = value.split(whereSeparator: { $0 == " " || $0 == "," })
        guard (1...10).contains(words.count), value.utf8.count <= 120 else { return false }
        if let last = value.utf8.last, last == UInt8(ascii: ".") || last == UInt8(ascii: "?") || last == UInt8(ascii: "!") {
            return false
        }
        let lowerConnectors: Set<Substring> = ["and", "de", "van", "von", "der", "da", "del", "la", "le", "in", "for", "&"]
        let capitalised = words.filter { word in
            guard let first = word.unicodeScalars.first else { return false }
            return first.properties.isUppercase || lowerConnectors.contains(word)
        }
        return capitalised.count * 4 >= words.count * 3
    }

    /// Reads "generated using X and edited by Y" (either part optional) from a generator note.
    static func parseGeneratorNote(_ note: String) -> (generator: String?, editor: String?) {
        let bytes = Array(note.utf8)
        let lowered = bytes.map(asciiLower)
        func find(_ marker: String, from: Int = 0) -> Range<Int>? {
            let needle = Array(marker.utf8)
            guard needle.count <= lowered.count else { return nil }
            var i = from
            while i + needle.count <= lowered.count {
                if lowered[i..<(i + needle.count)].elementsEqual(needle) { return i..<(i + needle.count) }
                i += 1
            }
            return nil
        }
        func value(_ range: Range<Int>) -> String {
            String(decoding: bytes[range], as: UTF8.self).trimmingCharacters(in: " .")
        }
        var generator: String?
        var editor: String?
        for marker in ["generated using ", "generated with ", "generated by ", "written with ", "written using "] {
            guard let found = find(marker) else { continue }
            let end = find(" and ", from: found.upperBound)?.lowerBound ?? bytes.count
            generator = value(found.upperBound..<end)
            break
        }
        if let found = find("edited by ") {
            editor = value(found.upperBound..<bytes.count)
        }
        return (generator, editor)
    }
}

extension StringProtocol {
    /// Trims the given ASCII characters from both ends.
    func trimmingCharacters(in set: String) -> String {
        let trim = Set(set.unicodeScalars)
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, trim.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, trim.contains(last) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
