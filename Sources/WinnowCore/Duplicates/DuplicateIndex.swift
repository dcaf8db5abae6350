import CSIMD
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A record's id: the first 128 bits of the SHA-256 of the article's bytes (see `Pipeline.writeRecordID`).
public struct RecordID: Hashable, Sendable, CustomStringConvertible {
    /// The id's 16 bytes, big-endian: `high` holds the first 8.
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The id of the first 16 bytes of a digest.
    public init<Bytes: Collection>(digest: Bytes) where Bytes.Element == UInt8 {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, byte) in digest.prefix(16).enumerated() {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes.
    public var bytes: [UInt8] {
        (0..<16).map { i in UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> UInt64(56 - 8 * (i % 8))) }
    }

    /// The 32 lower-case hex digits records carry.
    public var description: String { hexString(bytes) }

    /// Writes the 32 hex digits as a JSON string (no string is made).
    func write(into out: inout JSONWriter) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { hex in
            for k in 0..<32 {
                let word = k < 16 ? high : low
                hex[k] = hexDigit(UInt8(truncatingIfNeeded: (word >> UInt64(60 - 4 * (k % 16))) & 0xF))
            }
            _ = out.string(UnsafeRawBufferPointer(hex))
        }
    }

    /// Parses 32 hex digits.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 32 else { return nil }
        var words: [UInt64] = [0, 0]
        for (i, c) in hex.utf8.enumerated() {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            words[i / 16] = words[i / 16] << 4 | UInt64(v)
        }
        self.init(high: words[0], low: words[1])
    }
}

/// An earlier article that a new one repeats.
public struct DuplicateMatch: Sendable, Equatable {
    /// The earlier article's record id.
    public var of: RecordID
    /// The estimated Jaccard similarity of their word 5-grams (1 for an exact copy).
    public var similarity: Double
    /// The same words in the same order (up to case, spaces and punctuation), not only similar ones.
    public var exact: Bool

    public init(of: RecordID, similarity: Double, exact: Bool) {
        self.of = of
        self.similarity = similarity
        self.exact = exact
    }
}

/// An article as the index keeps it: its record id and its signature.
public struct IndexedArticle: Sendable, Equatable {
    public var id: RecordID
    public var signature: DuplicateSignature

    public init(id: RecordID, signature: DuplicateSignature) {
        self.id = id
        self.signature = signature
    }
}

/// The articles seen so far, found again by their signatures. Thread-safe.
///
/// Near copies are found by locality-sensitive hashing: each sketch is filed under `bands` keys of `rows` bins
/// each (`DuplicateSignature.bandKeys`); an article that shares a key with a new one is a candidate, and a
/// candidate counts only when the similarity estimated from the two stored sketches reaches `threshold`
/// (no bare key hit is ever a duplicate). Exact copies are found by their text hash. The best candidate wins;
/// ties go to the earlier article.
///
/// Memory is bounded: at most `capacity` articles are held, in two generations; when the newer one holds half
/// of them, the older is forgotten. Per article: the sketch (128 bytes), the id and text hash (24), a flag,
/// and a 4-byte slot per band and one for the text hash in open-addressing tables that double when 7/8 full
/// (with the 10 bands: 50 bytes at 7/8, 101 just after doubling): 203 to 254 bytes, 220 at the middle fill,
/// past the tables' first 2^15 and 2^12 slots (144 KB). Saved, 152 bytes.
public final class DuplicateIndex: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Estimated similarity from which an article is a near duplicate (of word 5-grams, Jaccard). A little
        /// under 0.8, the usual bound for near copies: estimates of pairs at J = 0.8 spread by about 0.012, so at
        /// 0.8 half of the copies right at the bound are missed; on the dev sets 0.79 finds more of them than it
        /// takes pairs from below (docs/near-duplicates.md has the figures).
        public var threshold = 0.79
        /// Bands of `rows` MinHash bins the index files an article under. A bin agrees in two texts with
        /// probability J + (1 − J)/15, so a pair at J = 0.8 shares one of 10 bands of 4 with probability 0.997
        /// (0.986 at J = 0.75); the odd sketch then weighs it. (12 bands of 5 cost 20 % more slots and lookups
        /// for 0.995.)
        public var bands = 10
        public var rows = 4
        /// Most articles held (the older half is forgotten past it).
        public var capacity = 4_000_000

        public init() {}
    }

    public let configuration: Configuration
    private let state: Locked<State>
    /// Where the newer generation's band table is, for `prefetchedKeys`, which reads it without the lock (a
    /// stale value only makes a useless prefetch; a prefetch never faults): its address, and in the top byte
    /// the base-2 logarithm of its slot count. 0 before the first article.
    private let bandTable = Atomic<Int>(0)

    private struct State {
        var older: Generation
        var newer: Generation
        /// Ordinals of the articles in `older` start here (ordinals only grow, so earlier means smaller).
        var olderBase = 0
        var newerBase = 0
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let empty = Generation(bands: configuration.bands, rows: configuration.rows)
        state = Locked(State(older: empty, newer: empty))
    }

    /// Articles held.
    public var count: Int { state.withLock { $0.older.live + $0.newer.live } }

    /// The earlier article the signature repeats, if any (the index is not changed).
    public func match(_ signature: DuplicateSignature) -> DuplicateMatch? {
        let keys = signature.bandKeys(bands: configuration.bands, rows: configuration.rows)
        return state.withLock { match(signature, keys: keys, in: $0) }
    }

    private func match(_ signature: DuplicateSignature, keys: BandKeys, in s: State) -> DuplicateMatch? {
        let older = s.older.best(signature, keys: keys, threshold: configuration.threshold)
        let newer = s.newer.best(signature, keys: keys, threshold: configuration.threshold)
        guard let newer else { return older?.match }
        guard let older else { return newer.match }
        // The better one; on a tie the older (the earlier article).
        if newer.match.exact != older.match.exact { return newer.match.exact ? newer.match : older.match }
        return newer.match.similarity > older.match.similarity ? newer.match : older.match
    }

    /// Adds an article; returns its ordinal (for `remove`).
    @discardableResult
    public func insert(_ article: IndexedArticle) -> Int {
        let keys = article.signature.bandKeys(bands: configuration.bands, rows: configuration.rows)
        return state.withLock { s in
            defer { publishBandTable(s) }
            return insert(article, keys: keys, into: &s)
        }
    }

    private func insert(_ article: IndexedArticle, keys: BandKeys, into s: inout State) -> Int {
        if s.newer.count >= max(1, min(configuration.capacity / 2, Generation.maxArticles)) {
            s.older = s.newer
            s.olderBase = s.newerBase
            s.newerBase += s.newer.count
            s.newer = Generation(bands: configuration.bands, rows: configuration.rows)
        }
        s.newer.append(article, keys: keys)
        return s.newerBase + s.newer.count - 1
    }

    /// Finds the article's match and then adds it, as one step (no other thread comes between).
    public func matchAndInsert(_ article: IndexedArticle) -> (match: DuplicateMatch?, ordinal: Int) {
        let keys = article.signature.bandKeys(bands: configuration.bands, rows: configuration.rows)
        return state.withLock { s in
            defer { publishBandTable(s) }
            return matchAndInsert(article, keys: keys, into: &s)
        }
    }

    private func matchAndInsert(_ article: IndexedArticle, keys: BandKeys, into s: inout State) -> (match: DuplicateMatch?, ordinal: Int) {
        let match = match(article.signature, keys: keys, in: s)
        return (match, insert(article, keys: keys, into: &s))
    }

    /// The signature's band keys, with the index slots a lookup reads first asked for from memory: a record's
    /// signature is made before the record is written, and looked up after, when those slots are in the cache.
    func prefetchedKeys(_ signature: DuplicateSignature) -> BandKeys {
        let keys = signature.bandKeys(bands: configuration.bands, rows: configuration.rows)
        let table = bandTable.load(ordering: .relaxed)
        guard let base = UnsafeRawPointer(bitPattern: table & 0x00FF_FFFF_FFFF_FFFF) else { return keys }
        let mask = (1 << (table >> 56)) - 1
        withUnsafeBytes(of: keys.keys) { raw in
            let words = raw.bindMemory(to: UInt32.self)
            for band in 0..<keys.count { winnow_prefetch(base + (Int(words[band]) & mask) * MemoryLayout<UInt32>.stride) }
        }
        return keys
    }

    /// Finds each record's match and adds its article, in order, as one step; the articles are appended to
    /// `added` when `keeping`. Returns their ordinals, which follow each other.
    func resolve(_ slots: inout [RecordSlot], adding added: inout [IndexedArticle], keeping: Bool) -> Range<Int> {
        state.withLock { s in
            let first = s.newerBase + s.newer.count
            for i in slots.indices {
                guard let signature = slots[i].signature else { continue }
                let article = IndexedArticle(id: slots[i].id, signature: signature)
                let keys = slots[i].keys ?? signature.bandKeys(bands: configuration.bands, rows: configuration.rows)
                slots[i].match = matchAndInsert(article, keys: keys, into: &s).match
                if keeping { added.append(article) }
            }
            publishBandTable(s)
            return first..<(s.newerBase + s.newer.count)
        }
    }

    private func publishBandTable(_ s: State) {
        let table = s.newer.bandTableAddress
        if bandTable.load(ordering: .relaxed) != table { bandTable.store(table, ordering: .relaxed) }
    }

    /// Forgets articles (an input that failed after they were added): they are matched no more.
    public func remove(_ ordinals: [Int]) {
        remove(ordinals.map { $0..<($0 + 1) })
    }

    /// Forgets the articles of these ranges of ordinals.
    func remove(_ ranges: [Range<Int>]) {
        state.withLock { s in
            for ordinal in ranges.joined() {
                if ordinal >= s.newerBase {
                    s.newer.remove(ordinal - s.newerBase)
                } else if ordinal >= s.olderBase {
                    s.older.remove(ordinal - s.olderBase)
                }
            }
        }
    }

    /// The articles held, oldest first (to save them).
    public var articles: [IndexedArticle] {
        state.withLock { $0.older.articles + $0.newer.articles }
    }
}

/// A signature's band keys (`DuplicateSignature.bandKeys`).
typealias BandKeys = (keys: SIMD16<UInt32>, count: Int)

/// One generation of the index: flat arrays and two open-addressing tables of 4-byte slots.
private struct Generation {
    let bands: Int
    let rows: Int

    init(bands: Int, rows: Int) {
        self.bands = bands
        self.rows = rows
    }

    /// Slots hold an 8-bit fingerprint of the key (bits the home slot does not use) over a 24-bit article
    /// index plus one (0: an empty slot); so a generation holds fewer than 2^24 articles.
    static let maxArticles = (1 << 24) - 2

    var ids: [RecordID] = []
    var sketches: [SIMD16<UInt64>] = []
    var exacts: [UInt64] = []
    var removed: [Bool] = []
    var live = 0
    // Sized for the first few thousand articles: a table that grows is filled again from the stored sketches.
    var bandSlots = [UInt32](repeating: 0, count: 1 << 15)
    var bandCount = 0
    var exactSlots = [UInt32](repeating: 0, count: 1 << 12)

    var count: Int { ids.count }

    /// The band table's address with the base-2 logarithm of its slot count in the top byte (see
    /// `DuplicateIndex.bandTable`). Only a number: nothing reads through it but a prefetch.
    var bandTableAddress: Int {
        bandSlots.withUnsafeBytes { Int(bitPattern: $0.baseAddress) | bandSlots.count.trailingZeroBitCount << 56 }
    }

    var articles: [IndexedArticle] {
        ids.indices.filter { !removed[$0] }.map { i in
            IndexedArticle(id: ids[i], signature: DuplicateSignature(sketch: sketches[i], exact: exacts[i]))
        }
    }

    mutating func append(_ article: IndexedArticle, keys: BandKeys) {
        let index = ids.count
        ids.append(article.id)
        sketches.append(article.signature.sketch)
        exacts.append(article.signature.exact)
        removed.append(false)
        live += 1
        if (exactSlots.count - index) * 8 < exactSlots.count {
            Self.grow(&exactSlots) { exacts[$0 - 1] >> 32 }
        }
        Self.put(&exactSlots, key: UInt32(truncatingIfNeeded: article.signature.exact >> 32), index: index)
        if (bandSlots.count - bandCount - keys.count) * 8 < bandSlots.count {
            // Doubled at 7/8 full (to 7/16).
            // Keys are not kept: a grown table is refilled from the stored sketches.
            bandSlots = [UInt32](repeating: 0, count: bandSlots.count * 2)
            bandCount = 0
            for i in 0..<index {
                let stored = DuplicateSignature(sketch: sketches[i], exact: exacts[i]).bandKeys(bands: bands, rows: rows)
                for band in 0..<stored.count {
                    Self.put(&bandSlots, key: stored.keys[band], index: i)
                    bandCount += 1
                }
            }
        }
        for band in 0..<keys.count {
            Self.put(&bandSlots, key: keys.keys[band], index: index)
            bandCount += 1
        }
    }

    mutating func remove(_ index: Int) {
        guard index < removed.count, !removed[index] else { return }
        removed[index] = true
        live -= 1
    }

    /// The best match in this generation at or above the threshold.
    func best(_ signature: DuplicateSignature, keys: BandKeys, threshold: Double) -> (index: Int, match: DuplicateMatch)? {
        guard !ids.isEmpty else { return nil }
        var exact: Int?
        Self.forEach(exactSlots, key: UInt32(truncatingIfNeeded: signature.exact >> 32)) { i in
            if !removed[i] && exacts[i] == signature.exact && (exact ?? .max) > i { exact = i }
        }
        if let exact { return (exact, DuplicateMatch(of: ids[exact], similarity: 1, exact: true)) }
        var best: (index: Int, similarity: Double)?
        // Candidates are few (a copy shares most bands): the ones already weighed are kept in a small list, on
        // the stack for the first 64 (no allocation per lookup), past them in an array.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 64) { recent in
            var seenCount = 0
            var more: [Int] = []
            // Each band's home slot is a likely cache miss: all of them are loaded first, with no branch between
            // the loads, so that the misses overlap; bands whose home slot is empty (most, for a new article)
            // need nothing more.
            let filled: UInt32 = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: DuplicateSignature.maxBands) { heads in
                bandSlots.withUnsafeBufferPointer { slots in
                    for band in 0..<keys.count { heads[band] = slots[Self.home(keys.keys[band], slots.count)] }
                }
                var mask: UInt32 = 0
                for band in 0..<keys.count where heads[band] != 0 { mask |= 1 << UInt32(band) }
                return mask
            }
            for band in 0..<keys.count where filled & (1 << UInt32(band)) != 0 {
                Self.forEach(bandSlots, key: keys.keys[band]) { i in
                    guard !removed[i] else { return }
                    for k in 0..<min(seenCount, 64) where recent[k] == i { return }
                    if seenCount >= 64 {
                        guard !more.contains(i) else { return }
                        more.append(i)
                    } else {
                        recent[seenCount] = i
                    }
                    seenCount += 1
                    let similarity = signature.similarity(to: DuplicateSignature(sketch: sketches[i], exact: exacts[i]))
                    guard similarity >= threshold else { return }
                    if best == nil || similarity > best!.similarity || (similarity == best!.similarity && i < best!.index) {
                        best = (i, similarity)
                    }
                }
            }
        }
        return best.map { ($0.index, DuplicateMatch(of: ids[$0.index], similarity: $0.similarity, exact: false)) }
    }

    private static func home(_ key: UInt32, _ slots: Int) -> Int { Int(key) & (slots - 1) }

    private static func fingerprint(_ key: UInt32) -> UInt32 { key >> 24 }

    private static func put(_ slots: inout [UInt32], key: UInt32, index: Int) {
        var slot = home(key, slots.count)
        while slots[slot] != 0 { slot = (slot + 1) & (slots.count - 1) }
        slots[slot] = fingerprint(key) << 24 | UInt32(index + 1)
    }

    /// Calls `body` with every index filed under a key with `key`'s fingerprint in its probe run.
    private static func forEach(_ slots: [UInt32], key: UInt32, _ body: (Int) -> Void) {
        var slot = home(key, slots.count)
        let print = fingerprint(key)
        while slots[slot] != 0 {
            if slots[slot] >> 24 == print { body(Int(slots[slot] & 0xFF_FFFF) - 1) }
            slot = (slot + 1) & (slots.count - 1)
        }
    }

    private static func grow(_ slots: inout [UInt32], key: (Int) -> UInt64) {
        let old = slots
        slots = [UInt32](repeating: 0, count: old.count * 2)
        for value in old where value != 0 {
            let index = Int(value & 0xFF_FFFF)
            put(&slots, key: UInt32(truncatingIfNeeded: key(index)), index: index - 1)
        }
    }
}

/// One input's use of a shared index: its articles are looked up and added in input order, and remembered, so
/// that they can be saved with the input's output or forgotten if the input fails.
///
/// When several inputs share the index, which one's articles count as earlier is the order they reach it in.
/// A batch run that must give the same answer whatever its number of threads passes `waitForTurn`: the first
/// lookup waits until every input before this one is finished (see `DuplicateTurns`).
public final class DuplicateSession: Sendable {
    public let index: DuplicateIndex
    // A `Mutex` is held in the session itself: a session per input costs one allocation, not three.
    private let state = Mutex(State())
    private let waitForTurn: (@Sendable () -> Void)?

    private let keepsArticles: Bool

    private struct State {
        var waited = false
        /// The ordinals of the articles added, as ranges: the last one apart, since an input's articles usually
        /// follow each other (one range, no allocation).
        var lastOrdinals = 0..<0
        var earlierOrdinals: [Range<Int>] = []
        var added: [IndexedArticle] = []

        var ordinals: [Range<Int>] { earlierOrdinals + [lastOrdinals] }

        mutating func addOrdinals(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            if lastOrdinals.isEmpty || lastOrdinals.upperBound == range.lowerBound {
                lastOrdinals = (lastOrdinals.isEmpty ? range.lowerBound : lastOrdinals.lowerBound)..<range.upperBound
            } else {
                earlierOrdinals.append(lastOrdinals)
                lastOrdinals = range
            }
        }
    }

    /// - Parameters:
    ///   - keepsArticles: whether `added` is kept (to save the articles with the output); without it a session
    ///     still remembers which articles to forget on `rollback`.
    ///   - waitForTurn: called before the first lookup.
    public init(index: DuplicateIndex, keepsArticles: Bool = true, waitForTurn: (@Sendable () -> Void)? = nil) {
        self.index = index
        self.keepsArticles = keepsArticles
        self.waitForTurn = waitForTurn
    }

    /// Looks up each article in order and adds it; returns what each repeats.
    func resolve(_ slots: inout [RecordSlot]) {
        waitForTurnOnce()
        state.withLock { s in
            s.addOrdinals(index.resolve(&slots, adding: &s.added, keeping: keepsArticles))
        }
    }

    /// Waits for this input's turn, the first time only.
    private func waitForTurnOnce() {
        guard let waitForTurn else { return }
        let first = state.withLock { s in
            defer { s.waited = true }
            return !s.waited
        }
        if first { waitForTurn() }
    }

    /// Adds articles known from an earlier run (an input whose output is already there), in this input's turn,
    /// without looking them up: later inputs find them as they would have. They are not `added` (they are on
    /// file already).
    public func insertKnown(_ articles: [IndexedArticle]) {
        waitForTurnOnce()
        let ordinals = articles.map { index.insert($0) }
        state.withLock { s in
            for ordinal in ordinals { s.addOrdinals(ordinal..<(ordinal + 1)) }
        }
    }

    /// The articles this input added, in order (none unless `keepsArticles`).
    public var added: [IndexedArticle] { state.withLock { $0.added } }

    /// Forgets this input's articles (it failed, or will be processed again).
    public func rollback() {
        let ordinals = state.withLock { s in
            defer { s = State(waited: s.waited) }
            return s.ordinals
        }
        index.remove(ordinals)
    }
}

/// Whose turn it is to use a shared index, for a batch run that numbers its inputs: input n may look up
/// articles once inputs 0 to n - 1 are finished, so that the answers do not depend on how many run at once.
public final class DuplicateTurns: @unchecked Sendable {
    // A lock primitive, like `Locked` (which has no condition variable): every access to `current` holds
    // `mutex`, the pointers themselves never change.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private let current: UnsafeMutablePointer<Int>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        pthread_cond_init(cond, nil)
        current = .allocate(capacity: 1)
        current.initialize(to: 0)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
        current.deallocate()
    }

    /// Blocks until input `number` may use the index.
    public func wait(for number: Int) {
        pthread_mutex_lock(mutex)
        while current.pointee < number { pthread_cond_wait(cond, mutex) }
        pthread_mutex_unlock(mutex)
    }

    /// Input `number` is finished: the next may go (once `number` itself had its turn).
    public func finish(_ number: Int) {
        wait(for: number)
        pthread_mutex_lock(mutex)
        current.pointee = max(current.pointee, number + 1)
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }
}

extension IndexedArticle {
    /// Bytes of a saved article: its id (16, big-endian), text hash (8, little-endian) and sketch (128).
    public static let encodedSize = 16 + 8 + DuplicateSignature.sketchBytes

    /// Appends the article's saved form to `out`.
    public func encode(into out: inout [UInt8]) {
        out += id.bytes
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: signature.exact >> UInt64(8 * k))) }
        for word in 0..<16 {
            for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: signature.sketch[word] >> UInt64(8 * k))) }
        }
    }

    /// Reads an article saved by `encode` from the first `encodedSize` bytes.
    public init(decoding bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= Self.encodedSize, "a saved article is \(Self.encodedSize) bytes")
        func word(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        let id = RecordID(digest: UnsafeRawBufferPointer(rebasing: bytes[0..<16]))
        var sketch = SIMD16<UInt64>()
        for k in 0..<16 { sketch[k] = word(24 + 8 * k) }
        self.init(id: id, signature: DuplicateSignature(sketch: sketch, exact: word(16)))
    }
}
