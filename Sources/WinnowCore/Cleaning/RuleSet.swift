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
    /// Indices of `line` and `prefix` rules by the first byte of their pattern.
    private var byFirstByte: [[Int32]] = Array(repeating: [], count: 256)
    private var containsRules: [Int32] = []
    private var leadRules: [Int32] = []

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
            let index = Int32(rules.count - 1)
            if match == .contains {
                containsRules.append(index)
            } else if match == .lead {
                leadRules.append(index)
            } else {
                byFirstByte[Int(lowered[0])].append(index)
            }
        }
    }

    /// The first `lead` rule whose pattern starts `line` (trimmed, any length, compared ignoring ASCII case).
    func leadMatch(_ line: UnsafeRawBufferPointer) -> Rule? {
        for index in leadRules {
            let rule = rules[Int(index)]
            let p = rule.pattern
            guard line.count >= p.count else { continue }
            var equal = true
            for k in 0..<p.count where asciiLower(line[k]) != p[k] {
                equal = false
                break
            }
            if equal { return rule }
        }
        return nil
    }

    /// The first rule that matches `line` (already trimmed and ASCII-lower-cased), with the length of the match.
    func firstMatch(lowered line: UnsafeBufferPointer<UInt8>) -> (rule: Rule, matchLength: Int)? {
        guard !line.isEmpty, line.count <= Self.maxLineBytes else { return nil }
        for index in byFirstByte[Int(line[0])] {
            let rule = rules[Int(index)]
            let p = rule.pattern
            switch rule.match {
            case .line:
                if p.count == line.count && p.elementsEqual(line) { return (rule, p.count) }
            case .prefix:
                guard line.count >= p.count, p.elementsEqual(line[0..<p.count]) else { continue }
                // A pattern ending in a letter must end a word: "By" matches "By Ann", not "Bypass".
                if isASCIIAlphanumeric(p[p.count - 1]), line.count > p.count, isASCIIAlphanumeric(line[p.count]) {
                    continue
                }
                return (rule, p.count)
            case .contains, .lead:
                continue
            }
        }
        for index in containsRules {
            let rule = rules[Int(index)]
            if contains(line, rule.pattern) { return (rule, 0) }
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
