import CSIMD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What language identification says of a text.
public struct LanguageGuess: Sendable, Equatable {
    /// ISO 639-1, or `und` when the text is too short or too mixed to say.
    public var code: String
    /// How likely the answer is, from 0 to 1 (0 for `und`).
    public var confidence: Double
    /// The second most likely language when it is close (at least `LanguageIdentifier.runnerUpFloor`).
    public var runnerUp: (code: String, confidence: Double)?
    /// The script the text is mostly written in.
    public var script: Script
    /// How many bytes of the title and body were scored before the answer was settled (the scan stops once it
    /// is; a script of one language scores nothing).
    public var bytesRead = 0
    /// How many bytes from the body's start the answer depends on (letters counted or features scored): any
    /// body that starts with them gives the same answer, unless they are the whole body.
    public var bodyBytesExamined = 0

    public static let undetermined = "und"

    public init(code: String = LanguageGuess.undetermined, confidence: Double = 0, script: Script = .none) {
        self.code = code
        self.confidence = confidence
        self.script = script
    }

    public static func == (a: LanguageGuess, b: LanguageGuess) -> Bool {
        a.code == b.code && a.confidence == b.confidence && a.runnerUp?.code == b.runnerUp?.code
            && a.runnerUp?.confidence == b.runnerUp?.confidence && a.script == b.script
    }

    /// Whether this answer, made for `body` (with the same title), holds for `other` too: `other` starts with
    /// every byte the answer depends on, up to white space (the answer depends on the letters, and any run of
    /// white space only separates words, as does the start of a text). Those bytes must not be the whole body:
    /// the end of a text ends its last word, which a longer text may continue.
    ///
    /// The pipeline asks it of an article's clean text, which keeps the page's lines as they are: then the
    /// page's answer stands, and the clean text is not read again.
    public func holds(forBody other: UnsafeRawBufferPointer, examined body: UnsafeRawBufferPointer) -> Bool {
        let examined = bodyBytesExamined
        guard examined <= body.count, let a = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return examined == 0 }
        guard let b = other.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
        var i = 0
        var j = 0
        while i < examined && isSpace(a[i]) { i += 1 }
        while j < other.count && isSpace(b[j]) { j += 1 }
        // Usually the rest is the same bytes: one comparison.
        if examined < body.count && other.count - j >= examined - i && memcmp(a + i, b + j, examined - i) == 0 { return true }
        while i < examined {
            guard j < other.count else { return false }
            if isSpace(a[i]) {
                guard isSpace(b[j]) else { return false }
                while i < body.count && isSpace(a[i]) { i += 1 }
                while j < other.count && isSpace(b[j]) { j += 1 }
                continue
            }
            guard a[i] == b[j] else { return false }
            i += 1
            j += 1
        }
        if examined < body.count { return true }
        // The whole body was read: the other text must end where it does (white space aside).
        while j < other.count && isSpace(b[j]) { j += 1 }
        return j == other.count
    }
}

/// Decides which language a text is written in.
///
/// First the letters of the text's beginning are counted by script. A script that one language of the model
/// is written in (Greek, Thai, Korean…) answers at once; otherwise the words written in the dominant script are
/// scored by the model's table for it (`LanguageModel`), a batch of features at a time, until the best language leads
/// the second by `settledMargin` (after at least `minimumFeatures`) or the text ends. Holds reusable buffers:
/// use one identifier per thread.
public struct LanguageIdentifier: Sendable {
    public let model: LanguageModel
    /// Fewer letters than this: `und`.
    public var minimumLetters = 3
    /// The lead of the best language over the second, in natural-log units of the likelihood, at which reading
    /// stops early.
    public var settledMargin: Float = 40
    /// Stop early only when the lead is at least this share of the best language's lead over the mean.
    public var distinctness: Float = 0.3
    /// Features read at least before stopping early.
    public var minimumFeatures = 48
    /// The dominant script is decided by the first this many letters (of the title, then the body).
    public var scriptSampleLetters = 256

    /// Below this the best language is not an answer (`und`: too mixed).
    public static let answerFloor = 0.2
    /// A runner-up at least this likely is reported.
    public static let runnerUpFloor = 0.1

    private var totals: [Int32] = []
    private var scriptCounts = ScriptCounts()
    /// A batch of features, read then added (see `score`).
    private var features: [UInt32] = Array(repeating: 0, count: batchSize)

    static let batchSize = 32

    public init(model: LanguageModel = .standard) {
        self.model = model
    }

    /// The language of one text.
    ///
    /// - Complexity: O(n) at most; most texts settle within their first few hundred bytes.
    public mutating func identify(_ text: UnsafeRawBufferPointer) -> LanguageGuess {
        identify(title: UnsafeRawBufferPointer(start: nil, count: 0), body: text)
    }

    /// The language of an article: its title and body read as one text.
    public mutating func identify(title: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) -> LanguageGuess {
        scriptCounts.removeAll()
        scriptCounts.add(title, upTo: scriptSampleLetters)
        let sampled = scriptCounts.add(body, upTo: scriptSampleLetters)
        let counts = scriptCounts
        let letters = counts.letters
        let script = counts.dominant
        var guess = LanguageGuess(script: script)
        guess.bodyBytesExamined = sampled
        guard letters >= minimumLetters, script != .other else { return guess }
        let share = Double(counts[script]) / Double(letters)
        let language = model.singles[Int(script.rawValue)]
        if language >= 0 {
            return Self.answer(&guess, model.codes[language], share)
        }
        guard let group = model.groups[Int(script.rawValue)] else { return guess }
        return score(group, title: title, body: body, share: share, guess: &guess)
    }

    private static func answer(_ guess: inout LanguageGuess, _ code: String, _ confidence: Double) -> LanguageGuess {
        if confidence >= answerFloor {
            guess.code = code
            guess.confidence = confidence
        }
        return guess
    }

    private mutating func score(
        _ group: LanguageModel.Group,
        title: UnsafeRawBufferPointer,
        body: UnsafeRawBufferPointer,
        share: Double,
        guess: inout LanguageGuess
    ) -> LanguageGuess {
        let stride = group.stride
        let candidates = group.languages.count
        if totals.count < stride { totals = Array(repeating: 0, count: stride) }
        let settledUnits = Int32(min(Float(Int32.max / 2), (settledMargin / group.natsPerUnit).rounded(.up)))
        var read = 0
        var bodyRead = 0
        var featureCount = 0
        totals.withUnsafeMutableBufferPointer { totals in
            features.withUnsafeMutableBufferPointer { features in
                for i in 0..<stride { totals[i] = 0 }
                for index in 0..<2 {
                    let part = index == 0 ? title : body
                    var scanner = LanguageFeatureScanner(
                        script: group.script,
                        rows: UnsafeRawPointer(group.rows),
                        hashBits: group.hashBits,
                        stride: group.stride
                    )
                    while true {
                        let n = scanner.next(part, into: features.baseAddress!, capacity: Self.batchSize)
                        if n == 0 { break }
                        Self.accumulate(group, features.baseAddress!, n, into: totals.baseAddress!)
                        featureCount += n
                        if featureCount >= minimumFeatures && Self.isSettled(totals.baseAddress!, candidates, settledUnits, distinctness) {
                            read = (index == 0 ? 0 : title.count) + scanner.bytesConsumed
                            bodyRead = index == 0 ? 0 : scanner.bytesConsumed
                            return
                        }
                    }
                }
                read = title.count + body.count
                bodyRead = body.count
            }
        }
        guess.bytesRead = read
        guess.bodyBytesExamined = max(guess.bodyBytesExamined, bodyRead)
        guard featureCount > 0 else { return guess }
        // The calibrated posterior over the candidates, scaled by the share of letters in the script.
        let unit = Double(group.natsPerUnit / group.temperature)
        var best = 0
        var second = -1
        for i in 1..<candidates {
            if totals[i] > totals[best] {
                second = best
                best = i
            } else if second < 0 || totals[i] > totals[second] {
                second = i
            }
        }
        // Languages more than 16 natural-log units behind add less than 1e-7 each: nothing the three decimals of
        // a confidence show.
        let negligible = Int32(min(Double(Int32.max / 2), 16 / unit))
        var sum = 0.0
        for i in 0..<candidates where totals[best] - totals[i] < negligible {
            sum += Self.expOrZero(Double(totals[i] - totals[best]) * unit)
        }
        let bestP = share / sum
        let secondP = share * Self.expOrZero(Double(totals[second] - totals[best]) * unit) / sum
        _ = Self.answer(&guess, model.codes[group.languages[best]], bestP)
        if guess.code != LanguageGuess.undetermined && secondP >= Self.runnerUpFloor {
            guess.runnerUp = (model.codes[group.languages[second]], secondP)
        }
        return guess
    }

    /// Adds the rows of `count` features (at most 64) to `totals`, through 16-bit sums held in registers (64
    /// weights of at most 127 in magnitude fit). Little-endian: a lane's even byte is its low byte.
    @inline(__always)
    private static func accumulate(
        _ group: LanguageModel.Group,
        _ features: UnsafePointer<UInt32>,
        _ count: Int,
        into totals: UnsafeMutablePointer<Int32>
    ) {
        // A row's 16 bytes at a time, as eight 16-bit lanes: shifting each lane left then right by 8 (keeping the
        // sign) gives the even bytes, shifting right by 8 the odd ones. Two sums, even and odd, per 16 weights.
        typealias Lanes = SIMD8<Int16>
        @inline(__always) func add(_ row: UnsafeRawPointer, _ lane: Int, _ even: inout Lanes, _ odd: inout Lanes) {
            let w = row.loadUnaligned(fromByteOffset: lane &* 16, as: Lanes.self)
            even &+= (w &<< 8) &>> 8
            odd &+= w &>> 8
        }
        var e0 = Lanes(), o0 = Lanes(), e1 = Lanes(), o1 = Lanes()
        var e2 = Lanes(), o2 = Lanes(), e3 = Lanes(), o3 = Lanes()
        switch group.stride {
        case 16:
            for f in 0..<count { add(group.row(features[f]), 0, &e0, &o0) }
        case 32:
            for f in 0..<count {
                let row = UnsafeRawPointer(group.row(features[f]))
                add(row, 0, &e0, &o0)
                add(row, 1, &e1, &o1)
            }
        case 48:
            for f in 0..<count {
                let row = UnsafeRawPointer(group.row(features[f]))
                add(row, 0, &e0, &o0)
                add(row, 1, &e1, &o1)
                add(row, 2, &e2, &o2)
            }
        default:
            for f in 0..<count {
                let row = UnsafeRawPointer(group.row(features[f]))
                add(row, 0, &e0, &o0)
                add(row, 1, &e1, &o1)
                add(row, 2, &e2, &o2)
                add(row, 3, &e3, &o3)
            }
        }
        @inline(__always) func flush(_ even: Lanes, _ odd: Lanes, _ base: Int) {
            guard base < group.stride else { return }
            for i in 0..<8 {
                totals[base + 2 * i] &+= Int32(even[i])
                totals[base + 2 * i + 1] &+= Int32(odd[i])
            }
        }
        flush(e0, o0, 0)
        flush(e1, o1, 16)
        flush(e2, o2, 32)
        flush(e3, o3, 48)
    }

    /// How far the best total leads the second.
    @inline(__always)
    private static func isSettled(_ totals: UnsafePointer<Int32>, _ count: Int, _ margin: Int32, _ distinctness: Float) -> Bool {
        var best = Int32.min
        var second = Int32.min
        var sum: Int64 = 0
        for i in 0..<count {
            let t = totals[i]
            sum += Int64(t)
            if t > best {
                second = best
                best = t
            } else if t > second {
                second = t
            }
        }
        let lead = best &- second
        guard lead >= margin else { return false }
        // Two close languages (Croatian and Bosnian) lead the rest together: wait until the leader leads its
        // nearest rival by a good part of what it leads the field by.
        let field = Float(best) - Float(sum) / Float(count)
        return Float(lead) >= distinctness * field || lead >= 2 * margin
    }

    private static func expOrZero(_ x: Double) -> Double {
        x < -700 ? 0 : exp(x)
    }
}
