#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Metadata found in an article: given by the reader (JSON fields) or moved out of the text by the cleaner.
public struct ArticleMeta: Sendable, Equatable {
    public var url: String?
    public var date: String?
    /// The `WARC-Record-ID` of a web archive record.
    public var recordID: String?
    public var author: String?
    public var source: String?
    /// The language the input itself states (a JSON field), as it states it.
    public var language: String?
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
        /// Moved into the comments (`CleanedArticle.comments`).
        case comments

        /// The record's `action` for it.
        public var action: String {
            switch self {
            case .dropped: "drop"
            case .meta: "meta"
            case .comments: "comments"
            }
        }
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
    /// The removed spans, in order, at most `Cleaner.maxListedRemovals` of them.
    public var removed: [Removal]
    /// The removed spans past `Cleaner.maxListedRemovals`: counted, not listed.
    public var unlisted = UnlistedRemovals()
    public var meta: ArticleMeta
    /// The readers' comments after the article, when the page has a plain comment thread: their text lines,
    /// one paragraph each, valid UTF-8 (empty when there is none).
    public var comments: [UInt8] = []
    /// How many comments the thread's frame lines count (names, times, scores or "Reply" lines, whichever
    /// kind is most frequent); 0 when there is no thread.
    public var commentCount = 0

    public init(text: [UInt8], paragraphs: Int, removed: [Removal], meta: ArticleMeta) {
        self.text = text
        self.paragraphs = paragraphs
        self.removed = removed
        self.meta = meta
    }

    /// Appends `spans` to `removed` while there is room under `limit`, and counts the rest.
    mutating func list(_ spans: [Removal], limit: Int) {
        let room = max(0, limit - removed.count)
        removed += spans.prefix(room)
        for span in spans.dropFirst(room) {
            unlisted.spans += 1
            unlisted.bytes += span.length
        }
    }
}

/// How many removed spans of an article were past the listing limit, and their bytes.
public struct UnlistedRemovals: Sendable, Equatable {
    public var spans = 0
    public var bytes = 0

    public init() {}
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
    /// The most removed spans an article lists; the rest are counted (`CleanedArticle.unlisted`). Pages list
    /// tens to hundreds; a hostile body whose lines alternate between two rules would list one per line, and
    /// its record (each span carries its text) would outgrow the input many times over.
    public var maxListedRemovals = 10_000

    public init(rules: RuleSet = .standard, memory: LineMemory? = nil) {
        self.rules = rules
        self.memory = memory
    }

    /// A line of the body: where it lies, what the cleaner measured on it, and what it decided.
    struct Line {
        var range: Range<Int>  // trimmed, relative to the body
        var fullRange: Range<Int>  // untrimmed, without the line break
        var verdict = Verdict.kept
        /// Removed into `meta` rather than dropped.
        var movedToMeta = false
        /// Removed into the comments rather than dropped.
        var movedToComments = false
        /// A footer marker ("Comments"): the article may end here.
        var isFooterMarker = false
        /// Measured on the lines no phrase rule claimed.
        var features = LineFeatures()
        /// The line's weight in the main-text search.
        var score = 0.0

        init(range: Range<Int>, fullRange: Range<Int>) {
            self.range = range
            self.fullRange = fullRange
        }

        /// A line with text that nothing has claimed yet: the main-text search weighs it.
        var isCandidate: Bool { verdict.isKept && !range.isEmpty }

        /// A candidate that reads like article text (see `LineFeatures.isBody`).
        var readsLikeBody: Bool { isCandidate && features.isBody }
    }

    /// Cleans one article.
    ///
    /// - Parameters:
    ///   - body: the body bytes (any line endings; invalid UTF-8 is repaired in the result).
    ///   - title: the article's title, to drop it when the body repeats it.
    ///   - baseOffset: where `body` starts in the input file, so removals carry file offsets.
    ///   - meta: metadata already known; the cleaner adds to it.
    ///   - bodyIsValidUTF8: whether `body` is known to be valid UTF-8 (`RawArticle.bodyIsValidUTF8`): then its
    ///     kept lines are copied as they are. When false, each is checked and repaired; the text is the same.
    ///   - language: the article's language (ISO 639-1), whose stopwords give each line its stopword density;
    ///     nil or `und`: all the curated lists pooled.
    /// - Complexity: O(n) in the body's length.
    public func clean(
        body: UnsafeRawBufferPointer,
        title: UnsafeRawBufferPointer,
        baseOffset: Int = 0,
        meta: ArticleMeta = ArticleMeta(),
        bodyIsValidUTF8: Bool = false,
        language: String? = nil
    ) -> CleanedArticle {
        clean(
            body: body,
            title: title,
            baseOffset: baseOffset,
            meta: meta,
            bodyIsValidUTF8: bodyIsValidUTF8,
            stopwords: language.map(StopwordList.forLanguage) ?? .pooled
        )
    }

    /// `clean` with the stopword list in hand (the pipeline keeps the last language's).
    func clean(
        body: UnsafeRawBufferPointer,
        title: UnsafeRawBufferPointer,
        baseOffset: Int,
        meta: ArticleMeta,
        bodyIsValidUTF8: Bool,
        stopwords list: StopwordList
    ) -> CleanedArticle {
        let stopwords = list.packed
        let first = Self.splitLines(body, from: 0, maxLines: Self.windowLines)
        if first.end == body.count {
            var lines = first.lines
            let meta = classify(body: body, lines: &lines, title: title, meta: meta, stopwords: stopwords)
            var cleaned = decide(body: body, validUTF8: bodyIsValidUTF8, lines: &lines, baseOffset: baseOffset, meta: meta, documentHasBody: nil)
            if cleaned.removed.count > maxListedRemovals {
                let spans = cleaned.removed
                cleaned.removed = []
                cleaned.list(spans, limit: maxListedRemovals)
            }
            return cleaned
        }
        // A body of more lines than a window: cleaned window by window, each window's text a paragraph of its
        // own (at the end of a window the line break becomes a paragraph break). Whether the document has body
        // text at all is asked of every window first: a window of menu lines in a long document goes.
        var documentHasBody = false
        var start = 0
        while start < body.count && !documentHasBody {
            var window = Self.splitLines(body, from: start, maxLines: Self.windowLines)
            _ = classify(body: body, lines: &window.lines, title: title, meta: meta, stopwords: stopwords)
            documentHasBody = window.lines.contains(where: \.readsLikeBody)
            start = window.end
        }
        var cleaned = CleanedArticle(text: [], paragraphs: 0, removed: [], meta: meta)
        start = 0
        while start < body.count {
            var window = Self.splitLines(body, from: start, maxLines: Self.windowLines)
            let windowMeta = classify(body: body, lines: &window.lines, title: title, meta: cleaned.meta, stopwords: stopwords)
            let part = decide(
                body: body,
                validUTF8: bodyIsValidUTF8,
                lines: &window.lines,
                baseOffset: baseOffset,
                meta: windowMeta,
                documentHasBody: documentHasBody
            )
            if !cleaned.text.isEmpty && !part.text.isEmpty {
                cleaned.text.append(0x0A)
                cleaned.text.append(0x0A)
            }
            cleaned.text += part.text
            cleaned.paragraphs += part.paragraphs
            if !cleaned.comments.isEmpty && !part.comments.isEmpty { cleaned.comments += [0x0A, 0x0A] }
            cleaned.comments += part.comments
            cleaned.commentCount += part.commentCount
            cleaned.list(part.removed, limit: maxListedRemovals)
            cleaned.meta = part.meta
            start = window.end
        }
        return cleaned
    }

    /// Steps 1 to 1c for the given lines of `body` (all of it, or one window): phrase rules and metadata,
    /// the features of every other line, comment threads and lists of other articles. Returns `meta` with what
    /// the rules moved into it.
    private func classify(
        body: UnsafeRawBufferPointer,
        lines: inout [Line],
        title: UnsafeRawBufferPointer,
        meta: ArticleMeta,
        stopwords: PackedStopwords
    ) -> ArticleMeta {
        var meta = meta
        let trimmedTitle = trimWhitespace(title, 0..<title.count)

        // 1. Phrase rules, line by line; every other line gets its features.
        for i in lines.indices {
            let range = lines[i].range
            if range.isEmpty { continue }
            if repeatsTitle(body, range, title, trimmedTitle) {
                lines[i].verdict = .titleRepeat
                continue
            }
            let line = UnsafeRawBufferPointer(rebasing: body[range])
            if let (rule, matchLength) = rules.firstMatch(line, readable: body.count - range.lowerBound) {
                switch rules.rules[rule].action {
                case .drop:
                    lines[i].verdict = .phrase(rule)
                    continue
                case .footer:
                    lines[i].verdict = .phrase(rule)
                    lines[i].isFooterMarker = true
                    continue
                case .meta(let key):
                    let value = UnsafeRawBufferPointer(rebasing: line[matchLength...])
                    if Self.addMeta(key, value: value, line: line, to: &meta) {
                        lines[i].verdict = .phrase(rule)
                        lines[i].movedToMeta = true
                        // A post's tags close it ("Tags: Processors, M&A"); teasers and ads come after.
                        lines[i].isFooterMarker = key == .tags
                        continue
                    }
                }
            }
            if let memory, memory.isRepeated(body, range) {
                lines[i].verdict = .repeatedLine
                continue
            }
            lines[i].features = LineFeatures(line, readable: body.count - range.lowerBound, stopwords: stopwords)
        }

        // 1b. Comment threads without a marker line: a count header ("34 responses to …") or commenters'
        //     name lines ("thelastchargersfan says:"), twice or more, start the footer zone.
        if let thread = Self.commentThreadStart(body, lines) {
            lines[thread].verdict = .comments
            lines[thread].isFooterMarker = true
        }

        // 1c. A list of other articles: date lines ("Wednesday November 20, 2019"), three or more; the second
        //     one with prose before it starts the footer zone (the first dates the article itself).
        if let related = Self.relatedListStart(body, lines) {
            lines[related].verdict = .relatedList
            lines[related].isFooterMarker = true
        }
        return meta
    }

    /// Steps 2 to 5 for lines `classify` has seen: the main text, the footer zone, smoothing, repeats and
    /// numbered lists; then the result.
    ///
    /// - Parameter documentHasBody: whether any window of the document has a line that reads like body text;
    ///   nil when `lines` are the whole document.
    private func decide(
        body: UnsafeRawBufferPointer,
        validUTF8: Bool,
        lines: inout [Line],
        baseOffset: Int,
        meta: ArticleMeta,
        documentHasBody: Bool?
    ) -> CleanedArticle {
        // 1d. A plain comment thread after text that reads like an article is never the article, however much
        //     longer it is than the post: the search for the main text ends where it starts.
        var searchEnd = lines.count
        var commentCount = 0
        if let thread = commentThread(body, lines), lines[..<thread.start].contains(where: \.readsLikeBody) {
            searchEnd = thread.start
            commentCount = thread.comments
            for i in thread.start..<lines.count where lines[i].isCandidate {
                lines[i].verdict = .commentThread
                // The comments' own words: lines that read as sentences, not their frames ("Reply", names).
                let f = lines[i].features
                lines[i].movedToComments = (f.isSentenceLike || (f.endsLikeSentence && f.words >= 3))
                    && Self.commentSignature(UnsafeRawBufferPointer(rebasing: body[lines[i].range])) == nil
            }
        }
        // 2. The main text: the run of lines with the largest total score (long, sentence-like lines score up,
        //    short and menu-like lines down).
        var candidates: [Int] = []
        candidates.reserveCapacity(lines.count)
        for i in lines.indices where lines[i].isCandidate { candidates.append(i) }
        guard lines.contains(where: \.readsLikeBody) else {
            // Nothing reads like body text. In a short item or a title-only record: keep what the rules kept.
            // In a window of a long document that has text elsewhere: all of it is outside the article.
            if documentHasBody ?? false {
                for i in candidates { lines[i].verdict = Self.outsideVerdict(lines[i].features) }
            }
            return assemble(body: body, validUTF8: validUTF8, lines: lines, baseOffset: baseOffset, meta: meta, commentCount: commentCount)
        }
        // Does the document's language have stopwords here? (Then prose lines are full of them.)
        var totalWords = 0
        var totalStopwords = 0
        for i in candidates {
            totalWords += lines[i].features.words
            totalStopwords += lines[i].features.stopwords
        }
        let stopwordLanguage = totalStopwords * 10 >= totalWords
        // Each candidate's score, once; rows of a data table (standings, a calendar, prices) are content,
        // however short.
        for i in candidates {
            lines[i].score = lines[i].features.score(stopwordLanguage: stopwordLanguage)
        }
        Self.raiseRows(body, &lines, to: tableRowScore)
        // 1e. A footer marker after a couple of real paragraphs (a score of 10) ends the search too when no line
        //     after it is as strong as the best before it: what follows ("Comments", the sidebar's recent posts
        //     and comments) is the page's, however many of its short lines read as text. (A share bar's
        //     "Comments" link above the article has the article's paragraphs after it.) One such line alone,
        //     with no prose next to it (a blog's disclaimer or "about me" blurb in the sidebar), is not the
        //     article going on.
        var textBefore = 0.0
        var bestBefore = 0.0
        var footerCut: Int?
        for i in lines.indices[..<searchEnd] {
            if lines[i].isFooterMarker && textBefore >= 10 {
                // The first line as strong, and whether there is a second.
                var strong: Int?
                var another = false
                for j in i..<searchEnd where lines[j].isCandidate && lines[j].score >= bestBefore {
                    if strong != nil {
                        another = true
                        break
                    }
                    strong = j
                }
                if !another && !(strong.map { Self.hasProseNext(to: $0, lines, within: i..<searchEnd) } ?? false) {
                    searchEnd = i
                    footerCut = i
                }
                break
            }
            if lines[i].isCandidate {
                textBefore += max(0, lines[i].score)
                bestBefore = max(bestBefore, lines[i].score)
            }
        }
        // Lines the rules removed still separate text: they count against a region that spans them. (Lines
        // in order: a candidate, or a line a rule removed that is not a footer marker.)
        // (On the stack for pages of normal size: the sequence is needed only here.)
        let (firstLine, lastLine) = withUnsafeTemporaryAllocation(of: (line: Int, score: Double).self, capacity: lines.count) {
            sequenceBuffer in
            var count = 0
            for i in lines.indices[..<searchEnd] {
                var score: Double
                if lines[i].isCandidate {
                    score = lines[i].score
                } else if !lines[i].verdict.isKept && !lines[i].isFooterMarker {
                    // The title repeated in the page marks where the article starts.
                    score = lines[i].verdict == .titleRepeat ? titleAnchorScore : ruledLinePenalty
                } else {
                    continue
                }
                sequenceBuffer.initializeElement(at: count, to: (i, score))
                count += 1
            }
            let sequence = UnsafeMutableBufferPointer(rebasing: sequenceBuffer[..<count])
            // A long run of lines that are not text separates more than its length: each further line of a run
            // costs a tenth more (a caption or two inside an article cost little; a menu block between the
            // article and a list of teasers a lot).
            var run = 0
            for k in sequence.indices {
                if sequence[k].score < 0 {
                    sequence[k].score *= 1 + gapGrowth * Double(run)
                    run += 1
                } else {
                    run = 0
                }
            }
            let sequenceRegion = Self.mainRegion(sequence.lazy.map(\.score))
            var firstLine = sequence[sequenceRegion.lowerBound].line
            let lastLine = sequence[sequenceRegion.upperBound - 1].line
            // An anchor inside the region: what comes before it is the page's (teasers, a lead-in list).
            // (Not one that ends the region: a repeat in the page's footer.)
            let anchors = sequenceRegion.dropLast()
            if let anchor = sequence[anchors].first(where: { lines[$0.line].verdict == .titleRepeat }) {
                firstLine = anchor.line
            }
            return (firstLine, lastLine)
        }
        let regionFirst = candidates.firstIndex { $0 >= firstLine && $0 <= lastLine }
        let regionLast = candidates.lastIndex { $0 >= firstLine && $0 <= lastLine }
        var region = (regionFirst ?? 0)..<((regionLast ?? -1) + 1)
        // 2b. A long line right against the main text, with only blank lines between, is its lead or its last
        //     paragraph, even without final punctuation (feeds drop it) or with few stopwords.
        func extends(from a: Int, to b: Int) -> Bool {
            let f = lines[candidates[b]].features
            let (first, last) = (min(candidates[a], candidates[b]), max(candidates[a], candidates[b]))
            // Body-like (`isBody`), and a sentence under 30 words not a Title-Case promo or a teaser cut short.
            let lead = f.isBody
                && (f.words >= 30 || (f.capitalised * 2 < f.words && !Self.endsWithEllipsis(body, lines[candidates[b]].range)))
            return lead && f.separators < 2
                && lines[(first + 1)..<last].allSatisfy { $0.range.isEmpty && $0.verdict.isKept }
        }
        // 2a. A short post under its headline: the lines under a title repeat, up to a footer marker, are the
        //     article when they read as prose and the main text found is short and lies elsewhere (a
        //     one-paragraph blog post or a poem against an "about me" blurb in the sidebar). Kept whole.
        let post = anchoredPost(lines, candidates, region: region, searchEnd: searchEnd)
        if let post { region = post }
        if post == nil && !region.isEmpty {
            while region.lowerBound > 0 && extends(from: region.lowerBound, to: region.lowerBound - 1) {
                region = (region.lowerBound - 1)..<region.upperBound
            }
            while region.upperBound < candidates.count && extends(from: region.upperBound - 1, to: region.upperBound) {
                region = region.lowerBound..<(region.upperBound + 1)
            }
            // Up to a footer marker that ended the search (1e), the sentences between the text and the marker are
            // its last lines ("It’s time to change that.").
            if let marker = footerCut {
                while region.upperBound < candidates.count && candidates[region.upperBound] < marker {
                    let f = lines[candidates[region.upperBound]].features
                    guard f.endsLikeSentence && f.words >= 2 else { break }
                    region = region.lowerBound..<(region.upperBound + 1)
                }
            }
        }

        // 3. The footer zone: a footer marker ("Comments") after the main text began ends the article. One
        //    before it (a share bar's "Comments" link) does not.
        //    Nor does one with more of the main text after it than before it.
        //    The main text's positive scores are summed in twentieths (every score is a multiple of 0.05), once:
        //    each marker's "before" is a running sum and its "after" the rest, exact, with no pass over the main
        //    text per marker (a page of many markers would be quadratic).
        @inline(__always) func twentieths(_ k: Int) -> Int { Int((max(0, lines[candidates[k]].score) * 20).rounded()) }
        let mainStart = candidates[region.lowerBound]
        var total = 0
        for k in region { total += twentieths(k) }
        var ending: Int? = nil
        var before = 0
        var next = region.lowerBound
        for marker in lines.indices where lines[marker].isFooterMarker && marker > mainStart {
            while next < region.upperBound && candidates[next] < marker {
                before += twentieths(next)
                next += 1
            }
            // A couple of real paragraphs before it (a score of 10), or more text before than after: the end
            // of the article.
            if before >= 10 * 20 || before >= total - before {
                ending = marker
                break
            }
        }
        var footerName = ""
        if let marker = ending {
            footerName = "after-\(lines[marker].verdict.name(in: rules))"
            for i in (marker + 1)..<lines.count where lines[i].isCandidate {
                lines[i].verdict = .afterFooter
            }
            // The candidates before the marker (they are in order).
            let kept = candidates.firstIndex { $0 >= marker } ?? candidates.count
            if kept < candidates.count {
                candidates.removeSubrange(kept...)
                region = region.clamped(to: 0..<kept)
            }
        }

        // 4. Context smoothing: inside the main text a short line between two body lines is a subheading or a
        //    short paragraph and stays; everything outside it goes.
        func isProse(_ k: Int) -> Bool { lines[candidates[k]].score > 0 }
        // A main text without a line of prose (a one-paragraph item without its final stop) is kept whole.
        let regionHasProse = region.contains { isProse($0) }
        // Lines settled before the smoothing: a post under its headline (2a) stays whole but its link lines
        // ("in Crafts, Fall Crafts | Permalink", "| | |"), and so does a short list between two paragraphs
        // (ingredients, steps, points).
        var settled = [Bool](repeating: false, count: candidates.count)
        if let post {
            for k in post where k < candidates.count {
                let f = lines[candidates[k]].features
                if f.words == 0 || f.separators > 0 { lines[candidates[k]].verdict = .shortLine }
                settled[k] = true
            }
        }
        var k = region.lowerBound
        while k < region.upperBound {
            guard !isProse(k) else {
                k += 1
                continue
            }
            var end = k
            while end < region.upperBound && !isProse(end) { end += 1 }
            let bounded = k > region.lowerBound && end < region.upperBound
            if bounded && isList(body, lines, candidates[k..<end], after: candidates[k - 1]) {
                for j in k..<end { settled[j] = true }
            }
            k = end
        }
        for (k, i) in candidates.enumerated() {
            let f = lines[i].features
            if settled[k] { continue }
            if !region.contains(k) {
                lines[i].verdict = Self.outsideVerdict(f)
                continue
            }
            if isProse(k) { continue }
            // The rest of a paragraph broken mid-sentence: right under a kept line that does not end like a
            // sentence, starting in lower case ("…not enough juice in them to close the" / "circuit on more").
            if k > region.lowerBound && candidates[k - 1] + 1 == i && lines[candidates[k - 1]].verdict.isKept
                && !lines[candidates[k - 1]].features.endsLikeSentence
                && Self.startsInLowerCase(body, lines[i].range)
            {
                continue
            }
            let before = k > region.lowerBound && isProse(k - 1)
            let after = k + 1 < region.upperBound && isProse(k + 1)
            // A short sentence next to prose ("This game will help you!") is part of it too.
            let shortSentence = (before || after) && f.endsLikeSentence && f.words >= 4
            // So is a paragraph (2b) that lacks its final stop.
            let paragraph = (before || after || !regionHasProse) && f.words >= 30 && f.separators < 2
            if !(before && after) && !shortSentence && !paragraph {
                lines[i].verdict = f.words <= 3 ? .menu : (f.isSentenceLike ? .notProse : .shortLine)
            }
        }

        // 4b. Inside the main text, a line that repeats an earlier kept line, or only its start ("Good morning!
        //     This is the tech news you need to..."), is a teaser of the article itself.
        dropRepeats(body, &lines)

        // 5. A numbered list ("1) …", "2. …") that starts inside the main text or right after it belongs to
        //    the article (top-ten lists, steps, product roundups), however short its items.
        if !region.isEmpty {
            keepNumberedList(body, &lines, after: candidates[region.lowerBound], until: candidates[region.upperBound - 1])
        }
        return assemble(
            body: body, validUTF8: validUTF8, lines: lines, baseOffset: baseOffset, meta: meta, footer: footerName,
            commentCount: commentCount
        )
    }

    /// A post under its headline that the main-text search passed over, as indices into `candidates`: the
    /// lines after a title repeat up to a footer marker or a tags line ("Topics: …"), with no other title
    /// repeat between, one of them reading as prose (six words or more, two of them stopwords); the first such
    /// run on the page, when `region` is short (under two paragraphs' score) and wholly outside it.
    func anchoredPost(_ lines: [Line], _ candidates: [Int], region: Range<Int>, searchEnd: Int) -> Range<Int>? {
        let found = region.reduce(0.0) { $0 + max(0, lines[candidates[$1]].score) }
        guard found < 10 else { return nil }
        func endsPost(_ line: Line) -> Bool {
            if line.isFooterMarker { return true }
            guard line.movedToMeta, let rule = line.verdict.phraseRule else { return false }
            if case .meta(.tags) = rules.rules[rule].action { return true }
            return false
        }
        func readsAsProse(_ k: Int) -> Bool {
            let f = lines[candidates[k]].features
            return f.words >= 6 && f.stopwords >= 2
        }
        var anchor = lines[..<searchEnd].firstIndex { $0.verdict == .titleRepeat }
        while let start = anchor {
            let next = lines[(start + 1)...].firstIndex { $0.verdict == .titleRepeat || endsPost($0) }
            guard let end = next else { return nil }
            if lines[end].verdict == .titleRepeat {
                anchor = end < searchEnd ? end : nil
                continue
            }
            let first = candidates.firstIndex { $0 > start } ?? candidates.count
            let last = candidates.firstIndex { $0 > end } ?? candidates.count
            let post = first..<last
            return post.contains(where: readsAsProse) && !post.overlaps(region) ? post : nil
        }
        return nil
    }

    /// Whether a run of short lines between two paragraphs of the main text is a list: two to `listMaxItems`
    /// items, each a phrase of two words or more in sentence case (not a menu of Title-Case links or a
    /// share bar), introduced by a colon (ending the paragraph before or the run's first line) or each
    /// starting with the same bullet. Related headlines and captions between paragraphs have neither.
    private func isList(_ body: UnsafeRawBufferPointer, _ lines: [Line], _ items: ArraySlice<Int>, after paragraph: Int)
        -> Bool
    {
        guard items.count >= 2 && items.count <= 2 * listMaxItems else { return false }
        // Quantities (ingredients, measures): two thirds of the lines or more; the rest may be headings and
        // unmeasured items.
        let quantities = items.count { Self.isQuantity(body, lines[$0]) }
        if quantities >= 2 && quantities * 3 >= items.count * 2 { return true }
        let first = lines[items.first!].range
        // A step of a recipe: "Add:" and what to add.
        func isPhrase(_ i: Int) -> Bool { Self.isPhrase(lines[i].features) }
        if quantities >= 1 && Self.endsWithColon(body, first) && items.dropFirst().allSatisfy(isPhrase) { return true }
        guard items.count <= listMaxItems && items.allSatisfy(isPhrase) else { return false }
        if Self.endsWithColon(body, lines[paragraph].range) || Self.endsWithColon(body, first) { return true }
        guard let bullet = Self.bullet(body, first) else { return false }
        return items.allSatisfy { Self.bullet(body, lines[$0].range) == bullet }
    }

    /// Whether a line ends with a colon (white space aside).
    static func endsWithColon(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let text = trimWhitespace(body, range)
        return !text.isEmpty && body[text.upperBound - 1] == UInt8(ascii: ":")
    }

    /// The bullet a line starts with ("• ", "- ", "* ", "– ", after any spaces), if any.
    static func bullet(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> Unicode.Scalar? {
        guard let base = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var i = range.lowerBound
        while i < range.upperBound && base[i] == 0x20 { i += 1 }
        // Most lines fail on their first byte, before anything is decoded: "-", "*", or the lead byte of • and –.
        guard i < range.upperBound, base[i] == UInt8(ascii: "-") || base[i] == UInt8(ascii: "*") || base[i] == 0xE2 else {
            return nil
        }
        let decoded = UTF8Bytes.decode(base + i, base + range.upperBound)
        let next = i + decoded.length
        guard next < range.upperBound, base[next] == 0x20 else { return nil }
        switch decoded.scalar {
        case 0x2022, 0x2D, 0x2A, 0x2013: return Unicode.Scalar(decoded.scalar)
        default: return nil
        }
    }

    /// Whether the nearest non-blank line before or after line `i` (inside `bounds`) is a candidate that reads
    /// as prose (a positive score).
    static func hasProseNext(to i: Int, _ lines: [Line], within bounds: Range<Int>) -> Bool {
        func isProse(_ k: Int?) -> Bool { k.map { lines[$0].isCandidate && lines[$0].score > 0 } ?? false }
        return isProse(lines[bounds.lowerBound..<i].lastIndex { !$0.range.isEmpty })
            || isProse(lines[(i + 1)..<bounds.upperBound].firstIndex { !$0.range.isEmpty })
    }

    /// Why a line outside the main text goes.
    static func outsideVerdict(_ f: LineFeatures) -> Verdict {
        f.isSentenceLike ? .outsideArticle : (f.words <= 3 ? .menu : .shortLine)
    }

    /// Removes kept lines that repeat an earlier kept line of at least 40 bytes: equal to it, or equal to
    /// its first 40 bytes or more and cut short ("…", "..."). Linear in the lines.
    ///
    /// A line is keyed by its first and last 40 bytes and its length; only lines whose key an earlier line
    /// has are hashed whole (with that earlier line). Paragraphs are long, and hashing every one of them whole
    /// cost a twentieth of the cleaning.
    private func dropRepeats(_ body: UnsafeRawBufferPointer, _ lines: inout [Line]) {
        var count = 0
        for line in lines where line.verdict.isKept && line.range.count >= 40 { count += 1 }
        guard count >= 2 else { return }
        // The three tables at most half full, with no growing: on the stack for a page's few paragraphs.
        var capacity = 16
        while capacity < 2 * count { capacity *= 2 }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4 * capacity) { words in
            // A fixed hash, not Hasher: Hasher is seeded per process, and a collision must not make runs differ.
            let keys = FirstLines(UnsafeMutableBufferPointer(rebasing: words[0..<(2 * capacity)]))
            var starts = HashSet64(UnsafeMutableBufferPointer(rebasing: words[(2 * capacity)..<(3 * capacity)]))
            UnsafeMutableBufferPointer(rebasing: words[0..<(3 * capacity)]).initialize(repeating: 0)
            // Zeroed when first needed: most pages repeat no key.
            let wholeWords = UnsafeMutableBufferPointer(rebasing: words[(3 * capacity)...])
            var whole = HashSet64(wholeWords)
            var wholeZeroed = false
            for i in lines.indices where lines[i].verdict.isKept && lines[i].range.count >= 40 {
                let range = lines[i].range
                let start = Self.hash(body, range.lowerBound..<(range.lowerBound + 40))
                if Self.endsWithEllipsis(body, range) && starts.contains(start) {
                    lines[i].verdict = .repeat
                    continue
                }
                let end = Self.hash(body, (range.upperBound - 40)..<range.upperBound)
                switch keys.claim(start ^ (end &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(range.count), line: i) {
                case .new:
                    break
                case .first(let first):
                    if !wholeZeroed {
                        wholeWords.initialize(repeating: 0)
                        wholeZeroed = true
                    }
                    whole.insert(Self.hash(body, lines[first].range))
                    fallthrough
                case .seen:
                    let full = Self.hash(body, range)
                    if whole.contains(full) {
                        lines[i].verdict = .repeat
                        continue
                    }
                    whole.insert(full)
                }
                starts.insert(start)
            }
        }
    }

    /// A 64-bit hash of bytes, the same in every run: multiply and rotate per eight bytes, in two independent
    /// lanes (the even and the odd words), so that one word's multiplication need not wait for the last's.
    static func hash(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt64 {
        let k: UInt64 = 0xD6E8_FEB8_6659_FD93
        var even: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(range.count)
        var odd: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        var i = range.lowerBound
        while range.upperBound - i >= 16 {
            even = ((even ^ body.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k).rotatedLeft(by: 29)
            odd = ((odd ^ body.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) &* k).rotatedLeft(by: 29)
            i += 16
        }
        if range.upperBound - i >= 8 {
            even = ((even ^ body.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k).rotatedLeft(by: 29)
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < range.upperBound {
            tail |= UInt64(body[i]) << shift
            shift += 8
            i += 1
        }
        let h = (even ^ odd.rotatedLeft(by: 17) ^ tail) &* k
        return h ^ (h >> 32)
    }

    /// Whether the line ends in "..." or "…".
    static func endsWithEllipsis(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let n = range.upperBound
        if range.count >= 3, body[n - 1] == UInt8(ascii: "."), body[n - 2] == UInt8(ascii: "."), body[n - 3] == UInt8(ascii: ".") { return true }
        return range.count >= 3 && body[n - 3] == 0xE2 && body[n - 2] == 0x80 && body[n - 1] == 0xA6
    }

    /// Keeps the items of numbered lists that start between `first` and a few lines after `last` (line
    /// indices): runs of three or more lines numbered 1, 2, 3… (an item may be skipped), with at most two
    /// other lines between items (captions, prices: they stay removed). Lines a phrase rule removed stay
    /// removed.
    private func keepNumberedList(_ body: UnsafeRawBufferPointer, _ lines: inout [Line], after first: Int, until last: Int) {
        var i = first
        var nonEmptyAfterLast = 0
        while i < lines.count {
            if i > last {
                if !lines[i].range.isEmpty { nonEmptyAfterLast += 1 }
                if nonEmptyAfterLast > 3 { return }
            }
            guard Self.listNumber(body, lines[i].range) == 1 else {
                i += 1
                continue
            }
            // A run from 1: collect it, then keep it if it is long enough.
            var items = [i]
            var expected = 2
            var j = i + 1
            var between = 0
            while j < lines.count {
                if lines[j].range.isEmpty {
                    j += 1
                    continue
                }
                guard let n = Self.listNumber(body, lines[j].range) else {
                    // A caption or a price between items; three in a row end the list.
                    between += 1
                    if between > 2 { break }
                    j += 1
                    continue
                }
                guard n == expected || n == expected + 1 else { break }
                items.append(j)
                expected = n + 1
                between = 0
                j += 1
            }
            if items.count >= 3 {
                for k in items where lines[k].verdict.isSmoothing {
                    lines[k].verdict = .kept
                }
            }
            i = j
        }
    }

    /// The number that starts a list item ("1) Lego", "12. Step"), if the line starts with one.
    static func listNumber(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        var i = range.lowerBound
        var n = 0
        while i < range.upperBound, i - range.lowerBound < 3, body[i] >= 0x30, body[i] <= 0x39 {
            n = n * 10 + Int(body[i] - 0x30)
            i += 1
        }
        guard i > range.lowerBound, i + 1 < range.upperBound else { return nil }
        guard body[i] == UInt8(ascii: ")") || body[i] == UInt8(ascii: "."), body[i + 1] == 0x20 else { return nil }
        return n
    }

    /// Raises the score of lines in runs of five or more table rows (see `LineFeatures.isTableRow`), of three
    /// or more quantities (see `isQuantity`) or of three or more bulleted lines ("- Initiate trust", `bullet`),
    /// blank lines aside, to at least `rowScore`. One pass for all three kinds.
    static func raiseRows(_ body: UnsafeRawBufferPointer, _ lines: inout [Line], to rowScore: Double) {
        /// A run of rows of one kind: where it starts and how many rows it has so far.
        struct Run {
            let minimum: Int
            var start = 0
            var length = 0
        }
        var runs = (table: Run(minimum: 5), quantity: Run(minimum: 3), bullet: Run(minimum: 3))
        /// Extends the run with line `i`, or ends it there (raising its lines when it is long enough).
        func step(_ run: inout Run, _ isRow: Bool, _ i: Int) {
            if isRow {
                if run.length == 0 { run.start = i }
                run.length += 1
                return
            }
            if run.length >= run.minimum {
                for k in run.start..<i where lines[k].isCandidate { lines[k].score = max(lines[k].score, rowScore) }
            }
            run.length = 0
        }
        for i in lines.indices {
            if lines[i].range.isEmpty && lines[i].verdict.isKept { continue }
            let candidate = lines[i].isCandidate
            step(&runs.table, candidate && lines[i].features.isTableRow, i)
            step(&runs.quantity, candidate && isQuantity(body, lines[i]), i)
            step(&runs.bullet, candidate && lines[i].features.words >= 3 && bullet(body, lines[i].range) != nil, i)
        }
        step(&runs.table, false, lines.count)
        step(&runs.quantity, false, lines.count)
        step(&runs.bullet, false, lines.count)
    }

    /// A measure in sentence case: an ingredient or an amount ("1/2 cup nutritional yeast", "½ cup butter – 1
    /// stick", "2 Asian pears, diced"), not a headline in Title Case nor a link list.
    static func isQuantity(_ body: UnsafeRawBufferPointer, _ line: Line) -> Bool {
        // (The range is trimmed.)
        guard line.range.count >= 2 else { return false }
        let first = body[line.range.lowerBound]
        // An ASCII digit, or a vulgar fraction ¼ ½ ¾ (C2 BC…BE).
        let number = isASCIIDigit(first) || (first == 0xC2 && (0xBC...0xBE).contains(body[line.range.lowerBound + 1]))
        return number && isPhrase(line.features)
    }

    /// Whether the line's first byte is an ASCII lower-case letter.
    static func startsInLowerCase(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        !range.isEmpty && body[range.lowerBound] >= UInt8(ascii: "a") && body[range.lowerBound] <= UInt8(ascii: "z")
    }

    /// A phrase of two words or more in sentence case, not a run of Title-Case links or a share bar.
    static func isPhrase(_ f: LineFeatures) -> Bool {
        f.words >= 2 && f.capitalised * 2 < f.words && f.separators < 2
    }

    /// What a row of a data table counts in the main-text search.
    var tableRowScore: Double { 1 }

    /// The second of three or more date lines, when body text comes before it: other articles' datelines.
    static func relatedListStart(_ body: UnsafeRawBufferPointer, _ lines: [Line]) -> Int? {
        var dates = 0
        // The first date line with body text between it and the date line before (that one included).
        var found: Int?
        var bodySinceLastDate = false
        for i in lines.indices {
            let line = lines[i]
            if line.isCandidate && line.range.count <= 40 && isDateLine(UnsafeRawBufferPointer(rebasing: body[line.range])) {
                if dates > 0 && bodySinceLastDate && found == nil { found = i }
                dates += 1
                bodySinceLastDate = line.readsLikeBody
            } else if line.readsLikeBody {
                bodySinceLastDate = true
            }
        }
        return dates >= 3 ? found : nil
    }

    /// A short line that is a date: an English month name and a year from 1900 to 2099, few other words.
    @_spi(Testing) public static func isDateLine(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.count >= 8, line.count <= 40, line[line.count - 1] != UInt8(ascii: "."), mayHoldYear(line) else {
            return false
        }
        // The year first, on the bytes as they are: most lines have none, and then nothing is copied.
        var hasYear = false
        var i = 0
        while i + 4 <= line.count {
            let a = line[i], b = line[i + 1]
            if (a == UInt8(ascii: "1") && b == UInt8(ascii: "9")) || (a == UInt8(ascii: "2") && b == UInt8(ascii: "0")),
                line[i + 2] &- 0x30 < 10, line[i + 3] &- 0x30 < 10,
                i == 0 || line[i - 1] &- 0x30 >= 10, i + 4 == line.count || line[i + 4] &- 0x30 >= 10
            {
                hasYear = true
                break
            }
            i += 1
        }
        guard hasYear else { return false }
        // A month name, compared on the bytes: only the names with the byte's initial.
        for start in 0..<(line.count - 2) {
            func has(_ name: StaticString) -> Bool { hasASCIICaseless(line, at: start, name) }
            switch asciiLower(line[start]) {
            case UInt8(ascii: "j"): if has("january") || has("june") || has("july") { return true }
            case UInt8(ascii: "f"): if has("february") { return true }
            case UInt8(ascii: "m"): if has("march") || has("may ") { return true }
            case UInt8(ascii: "a"): if has("april") || has("august") { return true }
            case UInt8(ascii: "s"): if has("september") { return true }
            case UInt8(ascii: "o"): if has("october") { return true }
            case UInt8(ascii: "n"): if has("november") { return true }
            case UInt8(ascii: "d"): if has("december") { return true }
            default: continue
            }
        }
        return false
    }

    /// Whether `line` (at least 8 bytes) has a "1" or "2" followed by a "9" or "0", where a year in 1900–2099
    /// starts: eight bytes at a time, seven apart (the last load ends at the line's end), so that every pair of
    /// neighbouring bytes falls in one load.
    static func mayHoldYear(_ line: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while true {
            let at = min(offset, line.count - 8)
            let w = line.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            let tens = byteEqualBits(w, UInt8(ascii: "1")) | byteEqualBits(w, UInt8(ascii: "2"))
            let units = byteEqualBits(w, UInt8(ascii: "9")) | byteEqualBits(w, UInt8(ascii: "0"))
            if (tens << 8) & units != 0 { return true }
            if at == line.count - 8 { return false }
            offset += 7
        }
    }

    /// The first line of a comment thread that has no marker line a phrase rule knows: a count header
    /// ("34 responses to “…”", "12 Comments", "5 thoughts on …") or the first of two or more short lines that
    /// end like a commenter's name line ("… says:", "… said:", "… wrote:").
    static func commentThreadStart(_ body: UnsafeRawBufferPointer, _ lines: [Line]) -> Int? {
        var firstNameLine: Int?
        var nameLines = 0
        // A count header that recurs on other pages of the site ("270 Comments", its digits folded) is left to
        // the memory, but the last one after text still heads this page's thread (the first may be the count
        // under the headline).
        var repeatedHeader: Int?
        var bodySeen = false
        for i in lines.indices {
            if !bodySeen { bodySeen = lines[i].readsLikeBody }
            let range = lines[i].range
            guard range.count <= 80 else { continue }
            let candidate = lines[i].isCandidate
            guard candidate || lines[i].verdict == .repeatedLine else { continue }
            let text = UnsafeRawBufferPointer(rebasing: body[range])
            if bodySeen && Self.isCommentCountHeader(text) {
                if candidate { return i }
                repeatedHeader = i
            }
            guard candidate else { continue }
            if Self.endsLikeCommenterName(text) || Self.isCommentTime(text) {
                if firstNameLine == nil { firstNameLine = i }
                nameLines += 1
            }
        }
        if let repeatedHeader { return repeatedHeader }
        guard nameLines >= 2, let first = firstNameLine else { return nil }
        return commenterLine(before: first, body, lines)
    }

    /// Where a plain comment thread starts: three or more comment signatures (a commenter's line, "… says:",
    /// "by … writes:"; a comment's time, "… at 6:34 am"; a score, "(Score: 5, Insightful)"; a "Reply" line), the
    /// thread starting at the last comment heading (a "comments" phrase rule, a count header) within 30 lines
    /// before the first of them, else at the first. "… said:" alone is not a signature: articles introduce
    /// quotes so.
    func commentThread(_ body: UnsafeRawBufferPointer, _ lines: [Line]) -> (start: Int, comments: Int)? {
        var first: Int?
        var kinds = SIMD4<Int>()
        for (i, line) in lines.enumerated() where !line.range.isEmpty && line.range.count <= 160 {
            if let kind = Self.commentSignature(UnsafeRawBufferPointer(rebasing: body[line.range])) {
                if first == nil { first = i }
                kinds[kind.rawValue] += 1
            }
        }
        guard kinds.wrappedSum() >= 3, let first else { return nil }
        let comments = kinds.max()
        for i in stride(from: first - 1, through: max(0, first - 30), by: -1) {
            let text = UnsafeRawBufferPointer(rebasing: body[lines[i].range])
            if lines[i].verdict == .comments || Self.isCommentCountHeader(text) { return (i, comments) }
            if lines[i].isFooterMarker && lines[i].verdict.name(in: rules) == "comments" { return (i, comments) }
        }
        return (Self.commenterLine(before: first, body, lines), comments)
    }

    /// Where a comment starts whose first frame line is `first`: a time line's commenter name is the short line
    /// just before it.
    static func commenterLine(before first: Int, _ body: UnsafeRawBufferPointer, _ lines: [Line]) -> Int {
        if first > 0, lines[first - 1].isCandidate, lines[first - 1].range.count <= 40,
            Self.isCommentTime(UnsafeRawBufferPointer(rebasing: body[lines[first].range]))
        {
            return first - 1
        }
        return first
    }

    /// The kinds of a comment's frame lines.
    @_spi(Testing) public enum CommentSignature: Int, Sendable {
        case name, time, score, reply
    }

    /// A line that is part of a comment's frame, not its text (see `commentThread`).
    @_spi(Testing) public static func commentSignature(_ line: UnsafeRawBufferPointer) -> CommentSignature? {
        let n = line.count
        guard n >= 5 else { return nil }
        if isCommentTime(line) || isCommenterAndDate(line) { return .time }
        if line[n - 1] == UInt8(ascii: ":") && n <= 60 {
            func endsWith(_ ending: StaticString) -> Bool { hasASCIICaseless(line, at: n - ending.utf8CodeUnitCount, ending) }
            if endsWith(" says:") || endsWith(" wrote:") || endsWith(" writes:") { return .name }
        }
        if hasASCIICaseless(line, at: 0, "reply") && (n == 5 || hasASCIICaseless(line, at: 5, " to this") || hasASCIICaseless(line, at: 5, " \u{2193}")) {
            return .reply
        }
        let (first, last) = (asciiLower(line[0]), asciiLower(line[n - 1]))
        // Movable Type's and TypePad's frames, too long for `isCommentTime`: "Posted by: Ryan at November 13, 2012
        // 6:33 AM", "Posted by: javio | November 08, 2012 at 06:49 PM".
        let endsInTime = isASCIIDigit(last) || (last == UInt8(ascii: "m") && line[n - 3] == 0x20)
        if first == UInt8(ascii: "p") && n <= 100 && endsInTime && hasASCIICaseless(line, at: 0, "posted by: ") {
            return .time
        }
        // "October 2, 2012, | Permalink", "Tuesday, August 14, 2012 at 3:08 pm | Permalink": a dated permalink,
        // not a post's own ("Posted at 11:09 AM | Permalink", "Posted by … on July 4, 2012 | Permalink").
        if last == UInt8(ascii: "k") && n >= 14 && n <= 80 && hasASCIICaseless(line, at: n - 11, "| permalink")
            && !hasASCIICaseless(line, at: 0, "posted ") && line.contains(where: isASCIIDigit)
        {
            return .time
        }
        // "Matt Jaycox | November 9, 2012 12:13 AM | Reply"
        if last == UInt8(ascii: "y") && n >= 10 && n <= 120 && hasASCIICaseless(line, at: n - 7, "| reply") {
            return .reply
        }
        if hasASCIICaseless(line, at: 0, "by ") {
            for start in 3..<max(3, n - 8) where line[start] == 0x20 && hasASCIICaseless(line, at: start + 1, "writes:") { return .name }
        }
        // "… (Score: 5, Insightful)": only lines that end in a parenthesis are searched.
        guard line[n - 1] == UInt8(ascii: ")") else { return nil }
        var at = 0
        while at < n - 8, let found = memchr(line.baseAddress! + at, 0x28, n - 8 - at) {
            at = line.baseAddress!.distance(to: UnsafeRawPointer(found)) + 1
            if hasASCIICaseless(line, at: at, "score: ") { return .score }
        }
        return nil
    }

    /// "2 days ago at 07:52 am", "November 19, 2019 at 6:34 am": a short line with " at ", then a time.
    @_spi(Testing) public static func isCommentTime(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.count >= 10, line.count <= 40 else { return false }
        let n = line.count
        // Most lines fail here, before anything is copied.
        guard line[n - 3] == 0x20, asciiLower(line[n - 1]) == UInt8(ascii: "m"),
            asciiLower(line[n - 2]) == UInt8(ascii: "a") || asciiLower(line[n - 2]) == UInt8(ascii: "p")
        else { return false }
        // h:mm or hh:mm before the am/pm (the last colon, two digits before " am"), and " at " before that.
        let colon = n - 6
        guard line[colon] == UInt8(ascii: ":"), line[n - 5] != UInt8(ascii: ":"), line[n - 4] != UInt8(ascii: ":") else { return false }
        for start in 0..<max(0, colon - 3) where hasASCIICaseless(line, at: start, " at ") { return true }
        return false
    }

    /// "Jermaine 07 Nov 12", "Kelly October 29, 2012 3:20 PM", "phpguy 07.22.12 at 20:33": a short line of a
    /// name (one to three words without digits) and a date (an English month's, or in digits), perhaps a time, and
    /// nothing else. A dateline ("Tuesday November 19, 2019", "Paris, 12 May 2019") or a byline ("By …",
    /// "Posted on …") is not one.
    @_spi(Testing) @inline(__always) public static func isCommenterAndDate(_ line: UnsafeRawBufferPointer) -> Bool {
        // Most lines fail here: a letter first, and a digit or the "m" of "am"/"pm" ("a.m.") last.
        let n = line.count
        guard n >= 10, n <= 48, asciiLower(line[0]) >= 0x61, asciiLower(line[0]) <= 0x7A else { return false }
        let end = asciiLower(line[n - 1])
        let m = UInt8(ascii: "m")
        let endsLikeTime = end == m || (end == UInt8(ascii: ".") && asciiLower(line[n - 2]) == m)
        guard isASCIIDigit(end) || endsLikeTime else { return false }
        return parsesAsCommenterAndDate(line)
    }

    private static func parsesAsCommenterAndDate(_ line: UnsafeRawBufferPointer) -> Bool {
        // A day and a year are three digits at least ("7 Nov 12"); menus and headings mostly have none.
        var digitCount = 0
        for b in line where isASCIIDigit(b) { digitCount &+= 1 }
        guard digitCount >= 3 else { return false }
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 12) { slots in
            guard let count = splitWords(line, into: slots) else { return false }
            let words = UnsafeMutableBufferPointer(rebasing: slots[..<count])
            func word(_ k: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: line[words[k]]) }
            guard let date = dateWords(line, words) else { return false }
            // After the date, only a time: "3:20 PM", "at 4:06 pm", "@ 9:51".
            guard (date.upperBound..<count).allSatisfy({ isTimeWord(word($0)) }) else { return false }
            // Before it, the name: one to three words (and an "on"), without digits, not followed by a comma
            // ("Paris, 12 May 2019" is a dateline), not a weekday or a byline's verb.
            var name = date.lowerBound
            if name > 0 && equalsASCIICaseless(word(name - 1), "on") { name -= 1 }
            guard (1...3).contains(name) else { return false }
            let afterName = words[name - 1].upperBound
            guard afterName == line.count || line[afterName] != UInt8(ascii: ",") else { return false }
            let plain = (0..<name).allSatisfy { k in !word(k).contains { isASCIIDigit($0) || $0 == UInt8(ascii: ":") } }
            return plain && !notCommenterNames.contains { equalsASCIICaseless(word(0), $0) }
        }
    }

    /// Splits a line at its spaces into `slots`, each word without its trailing commas and full stops; nil when
    /// it has more words than there are slots.
    private static func splitWords(_ line: UnsafeRawBufferPointer, into slots: UnsafeMutableBufferPointer<Range<Int>>)
        -> Int?
    {
        var count = 0
        var i = 0
        while i < line.count {
            while i < line.count && line[i] == 0x20 { i += 1 }
            guard i < line.count else { break }
            let start = i
            while i < line.count && line[i] != 0x20 { i += 1 }
            guard count < slots.count else { return nil }
            var stop = i
            while stop > start + 1, line[stop - 1] == UInt8(ascii: ",") || line[stop - 1] == UInt8(ascii: ".") {
                stop -= 1
            }
            slots.initializeElement(at: count, to: start..<stop)
            count += 1
        }
        return count
    }

    /// The words of a line that are a date: "October 29, 2012", "Nov 1st 2012", "07 Nov 12", "07.22.12".
    private static func dateWords(_ line: UnsafeRawBufferPointer, _ words: UnsafeMutableBufferPointer<Range<Int>>)
        -> Range<Int>?
    {
        func digits(_ k: Int, _ counts: ClosedRange<Int>, ordinal: Bool = false) -> Bool {
            guard k >= 0 && k < words.count else { return false }
            var r = words[k]
            // "1st", "29th"
            if ordinal, r.count >= 3, !isASCIIDigit(line[r.upperBound - 1]) { r = r.lowerBound..<(r.upperBound - 2) }
            return counts.contains(r.count) && r.allSatisfy { isASCIIDigit(line[$0]) }
        }
        if let k = words.firstIndex(where: { isNumericDate(UnsafeRawBufferPointer(rebasing: line[$0])) }) {
            return k..<(k + 1)
        }
        guard let month = words.firstIndex(where: { isMonthName(line, $0) }) else { return nil }
        if digits(month + 1, 1...2, ordinal: true) && digits(month + 2, 4...4) { return month..<(month + 3) }
        if digits(month - 1, 1...2) && (digits(month + 1, 2...2) || digits(month + 1, 4...4)) {
            return (month - 1)..<(month + 2)
        }
        return nil
    }

    /// A word of a time of day: "3:20", "20:33", "4:06pm", "PM", "a.m" (its full stop gone), "at", "@", "-", "|".
    static func isTimeWord(_ w: UnsafeRawBufferPointer) -> Bool {
        if w.count == 1 {
            switch w[0] {
            case UInt8(ascii: "@"), UInt8(ascii: "-"), UInt8(ascii: "|"): return true
            default: return false
            }
        }
        if equalsASCIICaseless(w, "at") || meridiems.contains(where: { equalsASCIICaseless(w, $0) }) { return true }
        // h:mm or hh:mm, then perhaps "am" or "pm".
        guard let colon = w.firstIndex(of: UInt8(ascii: ":")), colon == 1 || colon == 2, w.count >= colon + 3,
            w[..<(colon + 3)].indices.allSatisfy({ $0 == colon || isASCIIDigit(w[$0]) })
        else { return false }
        let rest = UnsafeRawBufferPointer(rebasing: w[(colon + 3)...])
        return rest.isEmpty || equalsASCIICaseless(rest, "am") || equalsASCIICaseless(rest, "pm")
    }

    /// First words of a dateline or a byline, not of a commenter's name.
    private static let notCommenterNames: [StaticString] = [
        "by", "posted", "published", "updated", "modified", "written", "filed", "submitted", "created", "last", "date",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    ]

    private static let meridiems: [StaticString] = ["am", "pm", "a.m", "p.m"]

    private static let monthNames: [StaticString] = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    /// A date in digits: "07.22.12", "7/22/2012", "22-07-2012", "2012-07-22".
    static func isNumericDate(_ word: UnsafeRawBufferPointer) -> Bool {
        var parts = 0
        var lengths = (0, 0, 0)
        var length = 0
        var separator: UInt8 = 0
        for b in word {
            if isASCIIDigit(b) {
                length += 1
                continue
            }
            let isSeparator = b == UInt8(ascii: ".") || b == UInt8(ascii: "/") || b == UInt8(ascii: "-")
            guard isSeparator, separator == 0 || b == separator, parts < 2 else { return false }
            separator = b
            if parts == 0 { lengths.0 = length } else { lengths.1 = length }
            parts += 1
            length = 0
        }
        guard parts == 2 else { return false }
        lengths.2 = length
        let dayFirst = (1...2).contains(lengths.0) && (1...2).contains(lengths.1) && (lengths.2 == 2 || lengths.2 == 4)
        let yearFirst = lengths.0 == 4 && lengths.1 == 2 && lengths.2 == 2
        return dayFirst || yearFirst
    }

    /// An English month's name or its three-letter abbreviation ("Sept" too), in any case.
    static func isMonthName(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let word = UnsafeRawBufferPointer(rebasing: line[range])
        guard word.count >= 3, word.count <= 9 else { return false }
        return monthNames.contains { month in
            let full = month.utf8CodeUnitCount
            guard word.count == full || word.count == 3 || (word.count == 4 && full == 9) else { return false }
            return month.withUTF8Buffer { m in word.indices.allSatisfy { asciiLower(word[$0]) == m[$0] } }
        }
    }

    /// "34 responses to", "12 Comments", "1 comment", "5 thoughts on", "3 replies": digits, a space, a word.
    @_spi(Testing) public static func isCommentCountHeader(_ line: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        // "[ 167 comments ]", "(12 Comments)", "{ 12 comments… read them below or add one }"
        @inline(__always) func opens(_ b: UInt8) -> Bool {
            b == UInt8(ascii: "[") || b == UInt8(ascii: "(") || b == UInt8(ascii: "{") || b == 0x20
        }
        while i < line.count, opens(line[i]) { i += 1 }
        let digits = i
        while i < line.count, line[i] >= 0x30, line[i] <= 0x39 || line[i] == UInt8(ascii: ",") { i += 1 }
        guard i > digits, i < line.count, line[i] == 0x20 else { return false }
        let start = i + 1
        let words: [StaticString] = ["responses", "response", "comments", "comment", "thoughts on", "replies", "reactions"]
        return words.contains { word in
            let end = start + word.utf8CodeUnitCount
            return hasASCIICaseless(line, at: start, word) && (end == line.count || !isASCIIAlphanumeric(line[end]))
        }
    }

    /// A short line ending in " says:", " said:" or " wrote:" (a commenter's name line).
    @_spi(Testing) public static func endsLikeCommenterName(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.count >= 7, line.count <= 60, line[line.count - 1] == UInt8(ascii: ":") else { return false }
        func endsWith(_ ending: StaticString) -> Bool { hasASCIICaseless(line, at: line.count - ending.utf8CodeUnitCount, ending) }
        return endsWith(" says:") || endsWith(" said:") || endsWith(" wrote:")
    }

    /// What a line removed by a phrase rule counts in the main-text search.
    var ruledLinePenalty: Double { -1.5 }

    /// How much more each further line of a run of non-text lines costs in the main-text search.
    var gapGrowth: Double { 0.1 }

    /// Most items of a list between two paragraphs that is kept whole.
    var listMaxItems: Int { 12 }

    /// What the title, repeated in the page, counts in the main-text search: the article starts there.
    var titleAnchorScore: Double { 4 }

    /// The indices of the contiguous run with the largest total score (Kadane), the earliest on ties.
    static func mainRegion(_ scores: some Collection<Double>) -> Range<Int> {
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

    /// Joins the kept lines into the text, paragraphs broken at blank or removed lines, and lists removals: a
    /// run of lines removed by one rule (with only blank lines between them) is one span, so that a menu of a
    /// hundred lines is one entry, and a page of millions of menu lines does not list millions.
    ///
    /// - Parameter validUTF8: whether `body` is known to be valid UTF-8: its lines are then copied unchecked.
    private func assemble(
        body: UnsafeRawBufferPointer,
        validUTF8: Bool,
        lines: [Line],
        baseOffset: Int,
        meta: ArticleMeta,
        footer: String = "",
        commentCount: Int = 0
    ) -> CleanedArticle {
        // Assemble the text: kept lines, paragraphs broken at blank or removed lines.
        var text: [UInt8] = []
        text.reserveCapacity(body.count)
        var removed: [Removal] = []
        var paragraphs = 0
        var inParagraph = false
        // The last span's verdict while only blank lines have followed it.
        var open: (verdict: Verdict, movedToMeta: Bool, movedToComments: Bool)?
        var comments: [UInt8] = []
        for line in lines {
            if !line.verdict.isKept {
                if line.movedToComments {
                    if !comments.isEmpty { comments += [0x0A, 0x0A] }
                    let kept = UnsafeRawBufferPointer(rebasing: body[line.range])
                    if validUTF8 { comments.append(contentsOf: kept) } else { UTF8Bytes.appendRepairing(kept, to: &comments) }
                }
                if let open, open.verdict == line.verdict, open.movedToMeta == line.movedToMeta,
                    open.movedToComments == line.movedToComments
                {
                    removed[removed.count - 1].length = line.fullRange.upperBound - removed[removed.count - 1].bodyOffset
                } else {
                    // Pages that remove anything remove a few spans or more: room for them at once.
                    if removed.isEmpty { removed.reserveCapacity(16) }
                    removed.append(
                        Removal(
                            rule: line.verdict.name(in: rules, footer: footer),
                            disposition: line.movedToMeta ? .meta : (line.movedToComments ? .comments : .dropped),
                            offset: baseOffset + line.fullRange.lowerBound,
                            length: line.fullRange.count,
                            bodyOffset: line.fullRange.lowerBound
                        )
                    )
                    open = (line.verdict, line.movedToMeta, line.movedToComments)
                }
                inParagraph = false
                continue
            }
            if line.range.isEmpty {
                inParagraph = false
                continue
            }
            open = nil
            if inParagraph {
                text.append(0x0A)
            } else {
                if paragraphs > 0 {
                    text.append(0x0A)
                    text.append(0x0A)
                }
                paragraphs += 1
                inParagraph = true
            }
            let kept = UnsafeRawBufferPointer(rebasing: body[line.range])
            if validUTF8 {
                text.append(contentsOf: kept)
            } else {
                UTF8Bytes.appendRepairing(kept, to: &text)
            }
        }
        var cleaned = CleanedArticle(text: text, paragraphs: paragraphs, removed: removed, meta: meta)
        if commentCount > 0 {
            cleaned.comments = comments
            cleaned.commentCount = commentCount
        }
        return cleaned
    }

    /// The most lines the cleaner weighs at once: a body with more (no article has them; a dump of one-word
    /// lines can) is cleaned window by window, so that memory stays bounded (about 80 bytes a line).
    static let windowLines = 65_536

    /// Splits lines from `start` until `maxLines` lines are found or the body ends; `end` is where the next
    /// line starts (the body's length at its end). Lines end at LF, CRLF, lone CR and U+2028/U+2029 and are
    /// trimmed of ASCII whitespace; a run of blank lines becomes one (it only breaks a paragraph), so that a
    /// page of blank lines costs nothing.
    static func splitLines(_ body: UnsafeRawBufferPointer, from start: Int, maxLines: Int) -> (lines: [Line], end: Int) {
        var lines: [Line] = []
        lines.reserveCapacity(min((body.count - start) / 40 + 1, maxLines))
        var start = start
        var i = start
        let n = body.count
        let base = body.baseAddress
        @inline(__always) func add(_ full: Range<Int>) {
            let line = Line(range: trimWhitespace(body, full), fullRange: full)
            if line.range.isEmpty, let last = lines.last, last.range.isEmpty { return }
            lines.append(line)
        }
        while i < n && lines.count < maxLines {
            // Sixteen bytes at a time to the next byte that can start a line end (LF, CR, or E2 of U+2028/9).
            if let base, n - i >= 16 {
                let v = (base + i).loadUnaligned(as: ByteMask.Bytes.self)
                let candidates = ByteMask.bits(
                    v .== ByteMask.Bytes(repeating: 0x0A) .| v .== ByteMask.Bytes(repeating: 0x0D) .| v .== ByteMask.Bytes(repeating: 0xE2)
                )
                if candidates == 0 {
                    i += 16
                    continue
                }
                i += candidates.trailingZeroBitCount
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
                add(start..<i)
                i += breakLength
                start = i
            } else {
                i += 1
            }
        }
        if lines.count < maxLines && start < n {
            add(start..<n)
            start = n
        }
        return (lines, start)
    }

    /// Whether a line repeats the title: equal to it (ignoring ASCII case), to its part before a site-name
    /// suffix ("Headline - Site", "Headline | Site") or a date ("Headline 11.12.12"), or to its part after a
    /// site-name prefix ("Site - Blog - Headline").
    private func repeatsTitle(_ body: UnsafeRawBufferPointer, _ range: Range<Int>, _ title: UnsafeRawBufferPointer, _ t: Range<Int>) -> Bool {
        // Shorter than half the title only when it is a part of it (checked below).
        guard !t.isEmpty, range.count <= t.count, range.count * 2 >= t.count || range.count >= 12 else { return false }
        func matches(at start: Int) -> Bool {
            for k in 0..<range.count where asciiLower(title[start + k]) != asciiLower(body[range.lowerBound + k]) {
                return false
            }
            return true
        }
        /// The length of the separator that starts at `i` (a hyphen, bar or colon; an en or em dash; a guillemet),
        /// or 0.
        func separator(at i: Int) -> Int {
            switch title[i] {
            case UInt8(ascii: "-"), UInt8(ascii: "|"), UInt8(ascii: ":"): return 1
            case 0xC2 where i + 1 < t.upperBound && (title[i + 1] == 0xAB || title[i + 1] == 0xBB): return 2
            case 0xE2 where i + 2 < t.upperBound && title[i + 1] == 0x80 && (title[i + 2] == 0x93 || title[i + 2] == 0x94):
                return 3
            default: return 0
            }
        }
        if range.count == t.count { return matches(at: t.lowerBound) }
        // Before a site name or a date: a space, then a separator or a rest without letters.
        let rest = t.lowerBound + range.count
        if title[rest] == 0x20 && rest + 2 < t.upperBound && matches(at: t.lowerBound) {
            let hasLetters = title[rest..<t.upperBound].contains { ($0 | 0x20) &- 0x61 < 26 || $0 >= 0x80 }
            if separator(at: rest + 1) > 0 || !hasLetters { return true }
        }
        // After a site name: a separator and a space right before the line's text.
        let start = t.upperBound - range.count
        guard start >= t.lowerBound + 3, title[start - 1] == 0x20 else { return false }
        var mark = start - 2
        while mark > t.lowerBound && title[mark] & 0xC0 == 0x80 { mark -= 1 }
        return mark > t.lowerBound && separator(at: mark) == start - 1 - mark && matches(at: start)
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
            // "Posted in News, Politics | 3 Comments »": the list ends at a bar.
            let list = value.firstRange(of: " | ").map { value[..<$0.lowerBound] } ?? value[...]
            for tag in list.split(separator: ",") {
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

    /// A byline names people: a few words, most capitalised, no sentence punctuation at the end. Words are
    /// split at spaces and commas, on the bytes; only a word that starts outside ASCII asks Unicode whether
    /// it is upper case.
    @_spi(Testing) public static func looksLikeNames(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            guard bytes.count <= 120 else { return false }
            if let last = bytes.last, last == UInt8(ascii: ".") || last == UInt8(ascii: "?") || last == UInt8(ascii: "!") {
                return false
            }
            var words = 0
            var capitalised = 0
            var i = 0
            while i < bytes.count {
                if bytes[i] == 0x20 || bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                let start = i
                while i < bytes.count && bytes[i] != 0x20 && bytes[i] != UInt8(ascii: ",") { i += 1 }
                words += 1
                let first = bytes[start]
                let upper: Bool
                if first < 0x80 {
                    upper = first &- UInt8(ascii: "A") < 26
                } else {
                    let d = UTF8Bytes.decodeMultibyte(bytes.baseAddress! + start, bytes.baseAddress! + i)
                    upper = d.valid && Unicode.Scalar(d.scalar).map { $0.properties.isUppercase } == true
                }
                if upper || isLowerConnector(UnsafeBufferPointer(rebasing: bytes[start..<i])) { capitalised += 1 }
            }
            guard (1...10).contains(words) else { return false }
            return capitalised * 4 >= words * 3
        }
    }

    /// Lower-case words that join names in a byline ("Ludwig van Beethoven", "Smith and Jones").
    private static func isLowerConnector(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        guard word.count <= 3 else { return false }
        var key: UInt32 = 0
        for b in word { key = key << 8 | UInt32(b) }
        return lowerConnectors.contains(key)
    }

    private static let lowerConnectors: Set<UInt32> = Set(
        ["and", "de", "van", "von", "der", "da", "del", "la", "le", "in", "for", "&"].map { word in
            word.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
    )

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

/// A set of 64-bit hashes (already well mixed: not hashed again) in zeroed memory it does not own, open
/// addressing, at most half full (the caller sizes it). Zero stands for an empty slot, so zero itself is kept
/// aside.
struct HashSet64 {
    private let slots: UnsafeMutableBufferPointer<UInt64>
    private var hasZero = false

    /// - Parameter slots: zeroed, a power of two of them.
    init(_ slots: UnsafeMutableBufferPointer<UInt64>) {
        self.slots = slots
    }

    func contains(_ value: UInt64) -> Bool {
        if value == 0 { return hasZero }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: value >> 7) & mask
        while slots[i] != 0 {
            if slots[i] == value { return true }
            i = (i + 1) & mask
        }
        return false
    }

    mutating func insert(_ value: UInt64) {
        if value == 0 {
            hasZero = true
            return
        }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: value >> 7) & mask
        while slots[i] != 0 {
            if slots[i] == value { return }
            i = (i + 1) & mask
        }
        slots[i] = value
    }
}

/// The first line with each 64-bit key, for `dropRepeats`: whether a key is new, and the first time it is not,
/// its first line. In zeroed memory it does not own, two words a slot (open addressing, at most half full).
struct FirstLines {
    enum Claim {
        /// No line had the key: this one is stored as its first.
        case new
        /// The key's first line, returned once: from then on, `seen`.
        case first(Int)
        case seen
    }

    /// A key, then its first line plus one: 0 for an empty slot, all ones once the line was returned.
    private let words: UnsafeMutableBufferPointer<UInt64>

    /// - Parameter words: zeroed, twice a power of two of them.
    init(_ words: UnsafeMutableBufferPointer<UInt64>) {
        self.words = words
    }

    func claim(_ key: UInt64, line: Int) -> Claim {
        let mask = words.count / 2 - 1
        var i = Int(truncatingIfNeeded: key >> 7) & mask
        while words[2 * i + 1] != 0 {
            if words[2 * i] == key {
                let first = words[2 * i + 1]
                guard first != .max else { return .seen }
                words[2 * i + 1] = .max
                return .first(Int(first) - 1)
            }
            i = (i + 1) & mask
        }
        words[2 * i] = key
        words[2 * i + 1] = UInt64(line + 1)
        return .new
    }
}

