/// A parsed set of phrase rules (see `BoilerplateRules.swift` for the format).
public struct RuleSet: Sendable {
    public enum Match: String, Sendable {
        case line, prefix, contains
        /// The line starts with the pattern, however long it is (cookie notices, legal paragraphs).
        case lead
    }

    public enum Action: Sendable, Equatable {
        case drop
        case footer
        case meta(MetaKey)
    }

    public enum MetaKey: String, Sendable, CaseIterable {
        case byline, dateline, published, updated, tags, credits, generator, notes
    }

    public struct Rule: Sendable {
        public var match: Match
        public var name: String
        public var action: Action
        /// The pattern, ASCII-lower-cased.
        public var pattern: [UInt8]
    }

    /// A rule file line that could not be parsed.
    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "rule line \(line): \(reason)" }
    }

    public private(set) var rules: [Rule] = []
    /// A `line`, `prefix` or `lead` rule as matching needs it: its index, its kind, its pattern's first eight
    /// bytes as one word (most rules are told apart there), and where the pattern lies in `arena` (so
    /// matching copies no rule: a copy retains the rule's name and pattern).
    private struct Candidate {
        /// The pattern's first bytes (up to eight), little-endian, and a mask of the bytes they fill.
        var head: UInt64
        var headMask: UInt64
        var index: Int32
        var start: Int32
        var count: Int32
        var match: Match
    }

    /// The candidates by the first byte of their pattern, flattened: those for byte b are
    /// `candidates[firstByteStart[b]..<firstByteStart[b + 1]]`, the `lead` rules first
    /// (`..<leadEnd[b]`), each part in rule order.
    private var firstByteStart: [Int32] = Array(repeating: 0, count: 257)
    private var leadEnd: [Int32] = Array(repeating: 0, count: 256)
    private var candidates: [Candidate] = []
    /// Every rule's pattern, one after the other.
    private var arena: [UInt8] = []
    private var containsRules: [Int32] = []
    /// One bit per pair of first two bytes (folded) that some `line`, `prefix` or `lead` pattern starts with (all
    /// pairs of its first byte for a one-byte pattern): most lines start with a pair no rule does, and are
    /// turned away in one load.
    private var startPairs: [UInt64] = Array(repeating: 0, count: 1024)

    /// The longest line (in bytes) a rule is applied to.
    public static let maxLineBytes = 300

    /// The built-in rules.
    public static let standard: RuleSet = {
        do {
            return try RuleSet(parsing: defaultBoilerplateRules)
        } catch {
            fatalError("built-in boilerplate rules do not parse: \(error)")
        }
    }()

    public init() {}

    /// Parses rules in the documented text format.
    public init(parsing text: String) throws(ParseError) {
        try add(parsing: text)
    }

    /// Adds the rules of `text` after the existing ones.
    public mutating func add(parsing text: String) throws(ParseError) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") { continue }
            var rest = Substring(line)
            func column() -> Substring {
                let word = rest.prefix(while: { $0 != " " && $0 != "\t" })
                rest = rest.dropFirst(word.count).drop(while: { $0 == " " || $0 == "\t" })
                return word
            }
            let matchWord = column()
            let name = column()
            let actionWord = column()
            let pattern = rest.trimmingSuffix(while: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let match = Match(rawValue: String(matchWord)) else {
                throw ParseError(line: lineNumber, reason: "unknown match '\(matchWord)' (line, prefix or contains)")
            }
            guard !name.isEmpty, !pattern.isEmpty else {
                throw ParseError(line: lineNumber, reason: "expected MATCH RULE-NAME ACTION PATTERN")
            }
            let action: Action
            switch actionWord {
            case "drop": action = .drop
            case "footer": action = .footer
            default:
                guard actionWord.hasPrefix("meta:"), let key = MetaKey(rawValue: String(actionWord.dropFirst(5))) else {
                    throw ParseError(line: lineNumber, reason: "unknown action '\(actionWord)'")
                }
                action = .meta(key)
            }
            let lowered = Array(pattern.utf8).map(asciiLower)
            rules.append(Rule(match: match, name: String(name), action: action, pattern: lowered))
            if match == .contains { containsRules.append(Int32(rules.count - 1)) }
        }
        // Rebuild the arena and the first-byte index (rules keep their order within a byte).
        arena = []
        var buckets: [[Candidate]] = Array(repeating: [], count: 256)
        for (index, rule) in rules.enumerated() {
            let start = Int32(arena.count)
            arena += rule.pattern
            guard rule.match != .contains else { continue }
            let headCount = min(8, rule.pattern.count)
            let head = rule.pattern[..<headCount].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let headMask: UInt64 = headCount == 8 ? ~0 : (1 << UInt64(8 * headCount)) - 1
            buckets[Int(rule.pattern[0])].append(
                Candidate(
                    head: head,
                    headMask: headMask,
                    index: Int32(index),
                    start: start,
                    count: Int32(rule.pattern.count),
                    match: rule.match
                )
            )
        }
        candidates = []
        for b in 0..<256 {
            firstByteStart[b] = Int32(candidates.count)
            candidates += buckets[b].filter { $0.match == .lead }
            leadEnd[b] = Int32(candidates.count)
            candidates += buckets[b].filter { $0.match != .lead }
        }
        firstByteStart[256] = Int32(candidates.count)
        startPairs = Array(repeating: 0, count: 1024)
        for rule in rules where rule.match != .contains {
            let seconds = rule.pattern.count > 1 ? [rule.pattern[1]] : Array(0...255)
            for second in seconds {
                let pair = Int(rule.pattern[0]) | Int(second) << 8
                startPairs[pair >> 6] |= 1 << UInt64(pair & 63)
            }
        }
    }

    /// The first rule that matches `line` (trimmed; compared ignoring ASCII case): its index in `rules`, with
    /// the length of the match. `lead` rules apply to lines of any length, the others to lines of at most
    /// `maxLineBytes`.
    ///
    /// Only the rules whose pattern starts with the line's first byte are tried, each first on its first eight
    /// bytes in one comparison, so most lines cost a table lookup and a few word compares.
    ///
    /// - Parameter readable: how many bytes from the line's start may be read (at least its length): the
    ///   buffer usually goes on past the line, and then its first eight bytes are loaded at once.
    func firstMatch(_ line: UnsafeRawBufferPointer, readable: Int? = nil) -> (index: Int, matchLength: Int)? {
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), line.count > 0 else { return nil }
        let n = line.count
        let first = Int(asciiLower(base[0]))
        if n >= 2 && containsRules.isEmpty {
            let pair = first | Int(asciiLower(base[1])) << 8
            if startPairs[pair >> 6] & (1 << UInt64(pair & 63)) == 0 { return nil }
        }
        let leads = Int(firstByteStart[first])..<Int(leadEnd[first])
        let others = Int(leadEnd[first])..<Int(firstByteStart[first + 1])
        if leads.isEmpty && others.isEmpty && containsRules.isEmpty { return nil }
        // The line's first eight bytes (fewer when it is shorter and nothing may be read past it), folded.
        var head: UInt64 = 0
        if max(readable ?? n, n) >= 8 {
            head = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
        } else {
            for k in 0..<n { head |= UInt64(base[k]) << UInt64(8 * k) }
        }
        head = PackedStopwords.foldASCII(head)
        let found: (index: Int32, matchLength: Int)? = arena.withUnsafeBufferPointer { arena in
            candidates.withUnsafeBufferPointer { candidates in
                // Whether the pattern matches (the line is known to be at least as long): the head in one compare,
                // then the rest byte by byte.
                @inline(__always) func equal(_ c: Candidate) -> Bool {
                    guard head & c.headMask == c.head else { return false }
                    var k = 8
                    while k < Int(c.count) {
                        if asciiLower(base[k]) != arena[Int(c.start) + k] { return false }
                        k += 1
                    }
                    return true
                }
                // Lead rules come first: they claim long lines the others never see.
                for c in candidates[leads] where n >= c.count && equal(c) { return (c.index, 0) }
                guard n <= Self.maxLineBytes else { return nil }
                for c in candidates[others] {
                    let count = Int(c.count)
                    switch c.match {
                    case .line:
                        if count == n && equal(c) { return (c.index, count) }
                    case .prefix:
                        guard n >= count, equal(c) else { continue }
                        // A pattern ending in a letter must end a word: "By" matches "By Ann", not "Bypass".
                        if isASCIIAlphanumeric(arena[Int(c.start) + count - 1]), n > count, isASCIIAlphanumeric(base[count]) {
                            continue
                        }
                        return (c.index, count)
                    case .contains, .lead:
                        continue
                    }
                }
                return nil
            }
        }
        if let found { return (Int(found.index), found.matchLength) }
        guard !containsRules.isEmpty, n <= Self.maxLineBytes else { return nil }
        let lowered = (0..<n).map { asciiLower(base[$0]) }
        for index in containsRules where lowered.withUnsafeBufferPointer({ contains($0, rules[Int(index)].pattern) }) {
            return (Int(index), 0)
        }
        return nil
    }

    private func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first, needle.elementsEqual(haystack[i..<(i + needle.count)]) { return true }
            i += 1
        }
        return false
    }
}

@inlinable @inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 {
    b >= 0x41 && b <= 0x5A ? b | 0x20 : b
}

/// Whether `bytes` hold `literal` (lower-case ASCII) at `offset`, ignoring ASCII case; false when it would
/// run past either end.
@inline(__always)
func hasASCIICaseless(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard offset >= 0, offset + count <= bytes.count else { return false }
    return literal.withUTF8Buffer { l in
        for k in 0..<count where asciiLower(bytes[offset + k]) != l[k] { return false }
        return true
    }
}

/// Whether `bytes` are `literal` (lower-case ASCII), ignoring ASCII case.
@inline(__always)
func equalsASCIICaseless(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
    bytes.count == literal.utf8CodeUnitCount && hasASCIICaseless(bytes, at: 0, literal)
}

@inlinable @inline(__always)
func isASCIIDigit(_ b: UInt8) -> Bool {
    b >= 0x30 && b <= 0x39
}

@inlinable @inline(__always)
func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
    let l = b | 0x20
    return (l >= 0x61 && l <= 0x7A) || (b >= 0x30 && b <= 0x39)
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
