import Synchronization

// Stopword lists, as data: one language per entry, words separated by spaces, in lower case.
// They keep function words out of `top_terms` and give the cleaner its stopword density (`PackedStopwords`):
// each article uses its own language's list (`StopwordList.forLanguage`), or all these lists pooled when its
// language is undetermined. Languages without a list here use their most frequent words in the language
// identification corpus (`derivedStopwordLists`, generated with the language model).

let stopwordLists: [String: String] = [
    "en": """
        a about above after again against all also am an and any are aren't as at be because been before being
        below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
        during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here
        here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its
        itself just let's like made make many may me might more most much must mustn't my myself new no nor not
        now of off on once one only or other ought our ours ourselves out over own per said same say says shan't
        she she'd she'll she's should shouldn't since so some still such than that that's the their theirs them
        themselves then there there's these they they'd they'll they're they've this those though through to
        too two under until up upon us very was wasn't we we'd we'll we're we've were weren't what what's when
        when's where where's whether which while who who's whom why why's will with within without won't would
        wouldn't yet you you'd you'll you're you've your yours yourself yourselves also told according year
        years mr mrs ms could would last first get got go going s t
        """,
    "ru": """
        и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
        меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
        вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без
        будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один
        почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после
        над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед
        иногда лучше чуть том нельзя такой им более всегда конечно всю между это также года году сообщает
        """,
    "ar": """
        في من على إلى عن أن إن مع هذا هذه ذلك التي الذي الذين كان كانت قد لا ما لم لن هو هي هم أو ثم كل بعد
        قبل بين عند حتى منذ أي غير إلا أيضا وقد وفي ومن وأن التى الى وهو وهي كما لكن بها به له لها لهم فيه فيها
        منه منها عليه عليها عام يكون تكون وكان ضمن خلال حيث أنه أنها إنه وذلك تم يتم وقال قال وأضاف أكثر
        """,
    "fr": """
        le la les de des du un une et en à au aux ce ces cet cette il elle ils elles on nous vous je tu que qui
        quoi dont où ne pas plus par pour sur dans avec sans sous est sont été être avoir a ont se sa son ses
        leur leurs mais ou donc car ni comme aussi très tout tous toute
        """,
    "de": """
        der die das den dem des ein eine einer eines einem einen und oder aber in im an am auf aus bei mit nach
        von vor zu zum zur für über unter ist sind war waren wird werden hat haben sich nicht auch als wie so
        es er sie wir ihr ich du man noch nur schon sehr
        """,
    "es": """
        el la los las de del un una unos unas y o en a al con por para sin sobre entre es son fue ser está
        están ha han se su sus que qué como más pero también muy ya lo le les me te nos este esta estos estas
        """,
    "pt": """
        o a os as um uma de do da dos das em no na nos nas por para com sem sobre entre e ou mas que se não
        é são foi ser está estão tem têm ao aos à às seu sua seus suas ele ela eles elas isso este esta mais
        como também já muito quando onde pelo pela pelos pelas
        """,
    "it": """
        il lo la i gli le un una uno di del della dei delle da dal dalla in nel nella con su per tra fra e o
        ma che non è sono era come anche più questo questa quello quella si ci ne al alla ai alle
        """,
    "nl": """
        de het een en van in op te dat die is zijn was voor met aan als er maar om ook door bij naar uit
        niet dan of over nog wel ze hij zij we wordt worden
        """,
    "pl": """
        i w na z do się nie że to jest o a jak ale po od za przez dla tak już czy jego jej ich który która
        które są był była było oraz także tylko
        """,
    "sv": """
        och i att det som en på är av för med till den har de inte om ett han hon var men från vi så kan
        """,
    "tr": """
        ve bir bu da de için ile olarak çok daha gibi en ama ya veya ne o şu her kadar sonra önce
        """,
    "id": """
        yang dan di ke dari untuk dengan ini itu pada adalah dalam tidak akan juga oleh sebagai atau
        """,
    "ne": """
        र को का की मा ले छ छन् हो थियो गर्न गरेको पनि भने यो त्यो उनी तथा वा लागि भएको रहेको गरी हुने भन्दा
        """,
]

/// The stopwords of at most 16 bytes, each packed little-endian into two 64-bit words (zero-padded), in a
/// perfect hash table: every stopword has a slot of its own, found from its hash and one displacement, so
/// a lookup is two loads and one comparison, with no branch and no probing. The cleaner looks up every word
/// of every line, where stopwords and other words alternate as unpredictably as a coin: a test that branched
/// on the answer (a filter, a probe loop) would mispredict on every other word.
///
/// Built once for the process (hash and displace: buckets of keys, largest first, each given the first
/// displacement that puts all its keys in free slots); the tables never change or go away, so they are held
/// as plain pointers.
struct PackedStopwords: @unchecked Sendable {

    /// Pairs (low, high); (0, 0) marks an empty slot (no word packs to it).
    private let slots: UnsafePointer<UInt64>
    private let mask: UInt32
    /// A displacement per bucket (the top bits of a key's hash choose its bucket); about one key a bucket.
    private let displacements: UnsafePointer<UInt8>
    private static let bucketBits = 10

    init(_ words: Set<[UInt8]>) {
        // No stopword may start with an ideograph's lead byte (E3–E9): the cleaner looks ideographs up with the
        // other words of a 64-byte block, where they must never count. A list for CJK would need the block to
        // leave them out instead.
        precondition(
            !words.contains { (0xE3...0xE9).contains($0[0]) },
            "a stopword starts with an ideograph; LineFeatures.WordBlock looks ideographs up"
        )
        let keys = words.filter { !$0.isEmpty && $0.count <= 16 }.map { word in
            word.withUnsafeBufferPointer { Self.pack($0.baseAddress!, count: $0.count, readable: $0.count) }
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var buckets = [[(UInt64, UInt64)]](repeating: [], count: 1 << Self.bucketBits)
        for key in keys { buckets[Self.bucket(Self.keyHash(key.0, key.1))].append(key) }
        let order = buckets.indices.sorted { (buckets[$0].count, $1) > (buckets[$1].count, $0) }
        // The next power of two of slots (1,024 of 16 bytes for the pooled lists, in the L1 cache; 64 to 128 for
        // one language's): more if displacing fails.
        var size = 16
        while size < keys.count { size <<= 1 }
        var slots: [UInt64]
        var displacements: [UInt8]
        build: while true {
            slots = [UInt64](repeating: 0, count: size * 2)
            displacements = [UInt8](repeating: 0, count: 1 << Self.bucketBits)
            var taken = [Bool](repeating: false, count: size)
            for b in order where !buckets[b].isEmpty {
                var found = false
                var places: [Int] = []
                for d in 0..<min(size, 256) {
                    places.removeAll(keepingCapacity: true)
                    for key in buckets[b] {
                        let place = Self.slot(Self.keyHash(key.0, key.1), UInt8(d), mask: UInt32(size - 1))
                        guard !taken[place], !places.contains(place) else { break }
                        places.append(place)
                    }
                    guard places.count == buckets[b].count else { continue }
                    for (key, place) in zip(buckets[b], places) {
                        taken[place] = true
                        slots[2 * place] = key.0
                        slots[2 * place + 1] = key.1
                    }
                    displacements[b] = UInt8(d)
                    found = true
                    break
                }
                if !found {
                    size <<= 1
                    continue build
                }
            }
            break
        }
        // Never deallocated: the one instance lives as long as the process.
        func keep<T>(_ values: [T]) -> UnsafePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
            return UnsafePointer(pointer)
        }
        self.slots = keep(slots)
        self.displacements = keep(displacements)
        mask = UInt32(size - 1)
    }

    /// Mixes a packed key into 64 well-spread bits (its high bits are the best), for the term counter's table.
    @inline(__always)
    static func mix(_ low: UInt64, _ high: UInt64) -> UInt64 {
        (low ^ (high &* 0x9E37_79B9_7F4A_7C15)) &* 0xD6E8_FEB8_6659_FD93
    }

    /// The table's own hash of a key: one multiply, as a lookup waits for it (the construction checks that it
    /// spreads the keys well enough).
    @inline(__always)
    private static func keyHash(_ low: UInt64, _ high: UInt64) -> UInt64 {
        (low ^ ((high << 29) | (high >> 35))) &* 0xD6E8_FEB8_6659_FD93
    }

    @inline(__always)
    private static func bucket(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash >> UInt64(64 - bucketBits))
    }

    /// The slot of a key: a start from its hash, with its bucket's displacement XOR-ed into the low bits. The
    /// lookup waits for the displacement, so nothing else may: no multiply after it (a step times the
    /// displacement was 2.5 % slower on the cleaner's news), and a byte, so all of them take 1 KiB of cache.
    /// Only keys of a bucket with the same start could never part; the construction makes the table larger
    /// then, as it does when no displacement fits.
    @inline(__always)
    private static func slot(_ hash: UInt64, _ displacement: UInt8, mask: UInt32) -> Int {
        let start = UInt32(truncatingIfNeeded: hash >> 20)
        return Int(truncatingIfNeeded: (start ^ UInt32(displacement)) & mask)
    }

    /// Whether the packed, folded bytes `low`, `high` (see `pack`) are a stopword.
    @inline(__always)
    func contains(low: UInt64, high: UInt64) -> Bool {
        let hash = Self.keyHash(low, high)
        let i = Self.slot(hash, displacements[Self.bucket(hash)], mask: mask)
        return (slots[2 &* i] ^ low) | (slots[2 &* i &+ 1] ^ high) == 0
    }

    /// The first `count` bytes (1 to 16) at `p` as two little-endian words, zero-padded, ASCII A–Z folded.
    ///
    /// With 16 bytes readable, in one vector register: the bytes past `count` cleared by a mask, capitals
    /// folded 16 at a time. (In 64-bit words, masking by `count` and folding each half took twice the
    /// instructions, and the cleaner's word loop ran 6 to 12 % slower.) Nearer the end, out of line.
    @inline(__always)
    static func pack(_ p: UnsafePointer<UInt8>, count: Int, readable: Int) -> (UInt64, UInt64) {
        guard readable >= 16 else { return packNearEnd(p, count: count) }
        typealias Bytes = SIMD16<UInt8>
        let v = UnsafeRawPointer(p).loadUnaligned(as: Bytes.self)
        let kept = Bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .< Bytes(repeating: UInt8(truncatingIfNeeded: count))
        let capital = (v &- Bytes(repeating: UInt8(ascii: "A"))) .< Bytes(repeating: 26)
        let folded = (v | Bytes(repeating: 0).replacing(with: 0x20, where: capital)).replacing(with: 0, where: .!kept)
        return unsafeBitCast(folded, to: (UInt64, UInt64).self)
    }

    /// `pack` of fewer than 16 readable bytes.
    @inline(never)
    private static func packNearEnd(_ p: UnsafePointer<UInt8>, count: Int) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for k in 0..<min(count, 8) { low |= UInt64(p[k]) << (8 * UInt64(k)) }
        if count > 8 { for k in 8..<count { high |= UInt64(p[k]) << (8 * UInt64(k - 8)) } }
        return (foldASCII(low), foldASCII(high))
    }

    /// Adds 0x20 to each byte of `w` that is an ASCII capital letter.
    @inline(__always)
    static func foldASCII(_ w: UInt64) -> UInt64 {
        let heptets = w & 0x7F7F_7F7F_7F7F_7F7F
        let atLeastA = heptets &+ 0x3F3F_3F3F_3F3F_3F3F
        let pastZ = heptets &+ 0x2525_2525_2525_2525
        let capitals = atLeastA & ~pastZ & ~w & 0x8080_8080_8080_8080
        return w | (capitals >> 2)
    }
}

/// One language's stopwords (or several languages' pooled), as the cleaner and the analyzer look them up.
struct StopwordList: Sendable {
    /// Words of at most 16 bytes, packed.
    let packed: PackedStopwords
    /// Every word, for the longer ones.
    let words: Set<[UInt8]>

    /// Builds a list; every word is kept as written (lower case) and also case-folded (`UnicodeProperties.fold`):
    /// the cleaner reads words as written, the analyzer folded (Greek final sigma, for one, folds to σ).
    init(_ list: String) {
        var words = Set<[UInt8]>()
        for word in list.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let bytes = Array(word.utf8)
            words.insert(bytes)
            var folded: [UInt8] = []
            for scalar in word.unicodeScalars { UTF8Bytes.append(scalar: UnicodeProperties.fold(scalar.value), to: &folded) }
            words.insert(folded)
        }
        self.words = words
        packed = PackedStopwords(words)
    }

    /// The curated lists pooled: for text whose language is undetermined.
    static let pooled = StopwordList(stopwordLists.keys.sorted().map { stopwordLists[$0]! }.joined(separator: " "))

    /// The lists built so far, by language: a list is built when first asked for (building all 67 took about
    /// 48 M instructions, a quarter of a one-file `winnow process`; a run uses one or a few).
    private static let built = Mutex<[String: StopwordList]>([:])

    /// The list of a language (ISO 639-1); the pooled lists for a language without one (`und`, Chinese…).
    static func forLanguage(_ code: String) -> StopwordList {
        if let list = built.withLock({ $0[code] }) { return list }
        // A curated list, else one derived from the training text.
        guard let words = stopwordLists[code] ?? derivedStopwordLists[code] else { return pooled }
        // Built outside the lock: two threads asking at once build the same list twice, and keep one.
        let list = StopwordList(words)
        return built.withLock { lists in
            if let first = lists[code] { return first }
            lists[code] = list
            return list
        }
    }

    /// Whether the language has a list of its own.
    static func hasList(_ code: String) -> Bool { stopwordLists[code] != nil || derivedStopwordLists[code] != nil }
}

/// The union of all curated stopword lists (the pooled list's words).
var allStopwords: Set<[UInt8]> { StopwordList.pooled.words }
