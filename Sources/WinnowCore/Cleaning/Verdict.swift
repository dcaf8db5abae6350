/// What the cleaner decided about one line: kept, or removed by a phrase rule or by one of its heuristics.
///
/// A small code while the cleaner works (no string is copied or retained per line); the rule's name is
/// looked up once per removed line, when the result is assembled.
struct Verdict: Equatable {
    private var code: UInt32

    private init(code: UInt32) {
        self.code = code
    }

    static let kept = Verdict(code: 0)

    /// Removed by the phrase rule at `index` in the rule set.
    static func phrase(_ index: Int) -> Verdict {
        Verdict(code: UInt32(index) + 1)
    }

    /// The title, repeated as a line of the body.
    static let titleRepeat = heuristic(0)
    /// A line that recurs across documents (`LineMemory`).
    static let repeatedLine = heuristic(1)
    /// The first line of a comment thread with no marker line a phrase rule knows.
    static let comments = heuristic(2)
    /// The start of a list of other articles (their date lines).
    static let relatedList = heuristic(3)
    /// A sentence-like line outside the main text.
    static let outsideArticle = heuristic(4)
    /// Three words or fewer, not between two paragraphs.
    static let menu = heuristic(5)
    /// A short line, not between two paragraphs.
    static let shortLine = heuristic(6)
    /// A sentence-like line inside the main text that does not read like prose.
    static let notProse = heuristic(7)
    /// A kept line that repeats an earlier kept line, or its start.
    static let `repeat` = heuristic(8)
    /// After the footer marker that ends the article; named after the marker ("after-comments").
    static let afterFooter = heuristic(9)
    /// A line of a comment thread after the article (`Cleaner.commentThread`): kept apart as the comments.
    static let commentThread = heuristic(10)

    private static let heuristicNames = [
        "title-repeat", "repeated-line", "comments", "related-list", "outside-article", "menu", "short-line",
        "not-prose", "repeat", "",  // 9, `afterFooter`, is named after its marker
        "comment-thread",
    ]

    private static let heuristicBase: UInt32 = 1 << 31

    private static func heuristic(_ number: UInt32) -> Verdict {
        Verdict(code: heuristicBase + number)
    }

    /// The phrase rule's index in the rule set, for a line a phrase rule removed.
    var phraseRule: Int? { code > 0 && code < Self.heuristicBase ? Int(code) - 1 : nil }

    /// Whether the line stays in the text.
    var isKept: Bool { code == 0 }

    /// Whether the smoothing step removed it (a numbered list can take it back).
    var isSmoothing: Bool {
        self == .outsideArticle || self == .menu || self == .shortLine || self == .notProse
    }

    /// The rule's name, as records and `winnow explain` show it; `footer` names the marker for `afterFooter`.
    func name(in rules: RuleSet, footer: String = "") -> String {
        if code < Self.heuristicBase { return rules.rules[Int(code) - 1].name }
        if self == .afterFooter { return footer }
        return Self.heuristicNames[Int(code - Self.heuristicBase)]
    }
}
