/// The writing systems language identification tells apart. A script either names one language outright
/// (Greek, Hebrew, Thai…) or narrows the candidates to the languages the model knows in it (Latin, Cyrillic…).
public enum Script: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Not a letter: spaces, digits, punctuation, symbols.
    case none
    case latin, greek, cyrillic, armenian, hebrew, arabic, devanagari, bengali, gurmukhi, gujarati, tamil, telugu
    case kannada, malayalam, sinhala, thai, georgian, hangul, ethiopic
    /// Han ideographs and Japanese kana together: Chinese and Japanese share the ideographs, and kana decide.
    case cjk
    /// A letter of a script no language of the model is written in (Oriya, Lao, Tibetan…).
    case other
    /// A combining mark outside any script's block (U+0300–U+036F…): it belongs to the letter before it.
    case inherited

    public var description: String {
        switch self {
        case .none: return "none"
        case .latin: return "Latin"
        case .greek: return "Greek"
        case .cyrillic: return "Cyrillic"
        case .armenian: return "Armenian"
        case .hebrew: return "Hebrew"
        case .arabic: return "Arabic"
        case .devanagari: return "Devanagari"
        case .bengali: return "Bengali"
        case .gurmukhi: return "Gurmukhi"
        case .gujarati: return "Gujarati"
        case .tamil: return "Tamil"
        case .telugu: return "Telugu"
        case .kannada: return "Kannada"
        case .malayalam: return "Malayalam"
        case .sinhala: return "Sinhala"
        case .thai: return "Thai"
        case .georgian: return "Georgian"
        case .hangul: return "Hangul"
        case .ethiopic: return "Ethiopic"
        case .cjk: return "Han/Kana"
        case .other: return "other"
        case .inherited: return "inherited"
        }
    }

    /// Whether words of the script are separated by spaces (so a whole word is a feature of its own).
    var separatesWords: Bool { self != .cjk && self != .thai }

    /// Raw values below this count towards the dominant script of a text (`none` never does; nor do `other`
    /// and `inherited`, after it).
    static let countedCount = Int(Script.cjk.rawValue) + 1

    /// The script of each letter or mark of the Basic Multilingual Plane (raw values; `none` for the rest).
    /// Above it, only the CJK ideograph planes are letters here. 64 KiB, built once from the Unicode tables and
    /// never freed, never written after; loops take the pointer once (each access to a lazy global is a call).
    nonisolated(unsafe) static let bmpTable: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 0x10000)
        table.initialize(repeating: Script.none.rawValue, count: 0x10000)
        for cp in 0..<0x10000 {
            let category = UnicodeProperties.category(UnicodeProperties.table[cp])
            guard category == .letter || category == .mark else { continue }
            table[cp] = block(of: UInt32(cp), isMark: category == .mark).rawValue
        }
        return UnsafePointer(table)
    }()

    /// The script of a letter or mark by its Unicode block.
    private static func block(of cp: UInt32, isMark: Bool) -> Script {
        switch cp {
        case 0x0000..<0x0300, 0x1E00..<0x1F00, 0x2C60..<0x2C80, 0xA720..<0xA800, 0xAB30..<0xAB70, 0xFF21..<0xFF5B:
            return .latin
        case 0x0300..<0x0370, 0x1AB0..<0x1B00, 0x1DC0..<0x1E00, 0x20D0..<0x2100, 0xFE20..<0xFE30:
            return .inherited
        case 0x0370..<0x0400, 0x1F00..<0x2000: return .greek
        case 0x0400..<0x0530, 0x1C80..<0x1C90, 0x2DE0..<0x2E00, 0xA640..<0xA6A0: return .cyrillic
        case 0x0530..<0x0590, 0xFB13..<0xFB18: return .armenian
        case 0x0590..<0x0600, 0xFB1D..<0xFB50: return .hebrew
        case 0x0600..<0x0700, 0x0750..<0x0780, 0x0870..<0x0900, 0xFB50..<0xFE00, 0xFE70..<0xFF00: return .arabic
        case 0x0900..<0x0980, 0xA8E0..<0xA900: return .devanagari
        case 0x0980..<0x0A00: return .bengali
        case 0x0A00..<0x0A80: return .gurmukhi
        case 0x0A80..<0x0B00: return .gujarati
        case 0x0B80..<0x0C00: return .tamil
        case 0x0C00..<0x0C80: return .telugu
        case 0x0C80..<0x0D00: return .kannada
        case 0x0D00..<0x0D80: return .malayalam
        case 0x0D80..<0x0E00: return .sinhala
        case 0x0E00..<0x0E80: return .thai
        case 0x10A0..<0x1100, 0x1C90..<0x1CC0, 0x2D00..<0x2D30: return .georgian
        case 0x1100..<0x1200, 0x3130..<0x3190, 0xA960..<0xA980, 0xAC00..<0xD800, 0xFFA0..<0xFFE0: return .hangul
        case 0x1200..<0x13A0, 0x2D80..<0x2DE0, 0xAB00..<0xAB30: return .ethiopic
        case 0x3000..<0x3100, 0x31F0..<0x3200, 0x3400..<0x4DC0, 0x4E00..<0xA000, 0xF900..<0xFB00, 0xFF66..<0xFFA0:
            return .cjk
        default:
            return isMark ? .inherited : .other
        }
    }

    /// The script of a scalar (`none` for anything that is not a letter or a mark), with `bmpTable` in hand.
    @inline(__always)
    static func of(_ scalar: UInt32, table: UnsafePointer<UInt8>) -> Script {
        if scalar < 0x10000 { return unsafeBitCast(table[Int(scalar)], to: Script.self) }
        // CJK Unified Ideographs Extension B and later (planes 2 and 3).
        if scalar >= 0x20000 && scalar < 0x40000 { return .cjk }
        return .none
    }
}

/// How many letters of each script a text holds.
public struct ScriptCounts: Sendable, Equatable {
    /// Letters per script, indexed by raw value (marks and `other` are not counted). Reuse one value across
    /// texts with `removeAll()`: counting then allocates nothing.
    private var counts = [Int](repeating: 0, count: Script.countedCount)
    /// Letters of scripts the model does not know (`Script.other`).
    public private(set) var otherLetters = 0
    /// All letters counted, including those of unknown scripts.
    public private(set) var letters = 0

    public init() {}

    /// Forgets every count, keeping the storage.
    public mutating func removeAll() {
        for i in counts.indices { counts[i] = 0 }
        otherLetters = 0
        letters = 0
    }

    public subscript(script: Script) -> Int {
        script == .other ? otherLetters : Int(script.rawValue) < Script.countedCount ? counts[Int(script.rawValue)] : 0
    }

    /// The script with the most letters (ties to the lower raw value), or `none` when there are none.
    public var dominant: Script {
        var best = Script.none
        var bestCount = 0
        for raw in 0..<Script.countedCount where counts[raw] > bestCount {
            best = unsafeBitCast(UInt8(raw), to: Script.self)
            bestCount = counts[raw]
        }
        return otherLetters > bestCount ? .other : best
    }

    /// Counts the letters of `text` (invalid UTF-8 counts as U+FFFD, which is not a letter), stopping once
    /// `limit` letters have been counted in all (a sample is enough to know the dominant script).
    ///
    /// - Returns: how many bytes of `text` were read.
    /// - Complexity: O(n) at most; ASCII goes eight bytes at a time.
    @discardableResult
    public mutating func add(_ text: UnsafeRawBufferPointer, upTo limit: Int = .max) -> Int {
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let end = base + text.count
        var p = base
        var asciiLetters = 0
        let table = Script.bmpTable
        var others = 0
        var counted = 0
        defer {
            counts[Int(Script.latin.rawValue)] += asciiLetters
            otherLetters += others
            letters += asciiLetters + counted + others
        }
        counts.withUnsafeMutableBufferPointer { counts in
        // Checked every 64 bytes: a sample a little past the limit does no harm.
        var nextCheck = base + 64
        while p < end {
            if p >= nextCheck {
                nextCheck = p + 64
                if letters + asciiLetters + counted + others >= limit { break }
            }
            if end - p >= 8 {
                let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    asciiLetters &+= Self.asciiLetterCount(word)
                    p += 8
                    continue
                }
            }
            let decoded = UTF8Bytes.decode(p, end)
            p += decoded.length
            let script = Script.of(decoded.scalar, table: table)
            switch script {
            case .none, .inherited: break
            case .other: others += 1
            default:
                counts[Int(script.rawValue)] += 1
                counted += 1
            }
        }
        }
        return p - base
    }

    /// ASCII letters among eight ASCII bytes, without a branch per byte.
    @inline(__always)
    static func asciiLetterCount(_ word: UInt64) -> Int {
        let folded = word | 0x2020_2020_2020_2020  // capitals to small letters; other bytes stay out of a…z
        // Per byte (all below 0x80): the high bit of b + (0x80 - "a") is set when b >= "a"; of b + (0x80 - "z" - 1)
        // when b > "z".
        let atLeastA = folded &+ 0x1F1F_1F1F_1F1F_1F1F
        let pastZ = folded &+ 0x0505_0505_0505_0505
        // One bit a letter, at the bottom of its byte; a multiply sums the bytes into the top one (at most 8).
        // The release build targets x86-64 without POPCNT, where `nonzeroBitCount` is a dozen instructions.
        return Int(truncatingIfNeeded: (((atLeastA & ~pastZ & 0x8080_8080_8080_8080) >> 7) &* 0x0101_0101_0101_0101) >> 56)
    }
}
