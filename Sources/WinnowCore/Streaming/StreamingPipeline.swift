import Dispatch

/// Where a streaming pipeline gets its bytes: a file, a pipe, memory.
public protocol ByteSource {
    /// Reads up to `buffer.count` bytes into `buffer`; returns 0 at the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int

    /// About how many bytes are left to read, if known (a file's size); readers size their buffers by it, so
    /// that a small file does not cost a large buffer.
    var sizeHint: Int? { get }
}

extension ByteSource {
    public var sizeHint: Int? { nil }
}

/// A `ByteSource` over bytes in memory.
public struct MemorySource: ByteSource {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var sizeHint: Int? { bytes.count - offset }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
        offset += count
        return count
    }
}

/// What streaming one input produced.
public struct StreamOutcome: Sendable {
    public var articles = 0
    public var format = InputFormat.text
    /// The input's container (gzip, zstd or none).
    public var compression = Compression.none
    public var encoding = TextEncoding.utf8
    /// Bytes read from the source (the compressed size for gzip and zstd).
    public var inputBytes = 0
    /// Bytes after decompression (and transcoding).
    public var decompressedBytes = 0
    /// Compressed bytes written.
    public var outputBytes = 0
    /// Gzip members or zstd frames written (one per chunk).
    public var chunks = 0
    /// Records written, by language, and articles left out for their language.
    public var tally = ArticleTally()
    /// Web archive records of other types than `conversion` and `response`, by type.
    public var skippedRecords: [String: Int] = [:]
    /// The first `StreamingPipeline.maxReportedIssues` skipped parts, with absolute offsets.
    public var issues: [ReadIssue] = []
    public var issueCount = 0

    /// Counts a skipped part and keeps it if fewer than `maxReportedIssues` are kept.
    mutating func report(_ issue: ReadIssue) {
        issueCount += 1
        if issues.count < StreamingPipeline.maxReportedIssues { issues.append(issue) }
    }

    /// Throws when the input gave no article: a broken gzip or zstd stream (its real problem), nothing parsable
    /// (with the first problem), or empty.
    func requireArticles(damage: InputError?) throws(InputError) {
        guard articles == 0 else { return }
        if let damage { throw damage }
        if let first = issues.first { throw .nothingParsable(issues: issueCount, firstIssue: first.description) }
        throw .empty
    }
}

/// Runs the pipeline over an input of any size in bounded memory.
///
/// The decompressed input is cut into chunks of about `chunkBytes` at line boundaries (JSON Lines), or read up
/// to the article size limit (plain text, the rest only counted). Each chunk's records become one gzip member
/// or zstd frame (`codec`); written in order, they form one valid file, as pigz and bgzip write. Chunk
/// boundaries depend only on the input, so the output bytes are the same whatever `parallelism` is.
public struct StreamingPipeline: Sendable {
    public let configuration: PipelineConfiguration
    /// How each chunk's records are compressed.
    public var codec: OutputCodec
    /// Decompressed input bytes per chunk (and output member).
    public var chunkBytes: Int
    /// Chunks processed at once.
    public var parallelism: Int
    /// Whether each chunk is compressed (false: plain JSON Lines, for standard output).
    public var compressOutput = true

    public static let defaultChunkBytes = 4 << 20
    public static let maxReportedIssues = 1000

    /// Record writers (each with its reader, cleaner, analyzer and buffers) kept between inputs.
    let workers: PipelinePool

    public init(configuration: PipelineConfiguration = PipelineConfiguration(), codec: OutputCodec = .gzip, chunkBytes: Int = defaultChunkBytes, parallelism: Int = 1) {
        self.configuration = configuration
        workers = PipelinePool(configuration: configuration)
        self.codec = codec
        self.chunkBytes = max(64 * 1024, chunkBytes)
        self.parallelism = max(1, parallelism)
    }

    /// Streams `source` through the pipeline, handing each compressed member to `write` in order.
    ///
    /// - Parameters:
    ///   - sha256: the SHA-256 of the whole input, written into every record (so the caller hashes first).
    ///   - duplicates: the index session that says which articles repeat earlier ones (nil: none is looked up,
    ///     whatever `configuration.duplicates` says).
    /// - Throws: `InputError` when nothing of the input can be used, `CompressionError` when compressing fails, or
    ///   whatever the source or `write` throw.
    public func run<Source: ByteSource>(
        _ source: inout Source,
        sourceName: String,
        sha256: String,
        duplicates: DuplicateSession? = nil,
        write: ([UInt8]) throws -> Void
    ) throws -> StreamOutcome {
        var reader = DecodedReader(source: source, limits: configuration.limits.inflate)
        defer { source = reader.source }
        let deadline = configuration.maxSecondsPerFile.map { Deadline(seconds: $0) }
        var outcome = StreamOutcome()
        let dump = DumpReader(fields: configuration.fields, limits: configuration.limits)

        try reader.fill(atLeast: 64 * 1024)
        outcome.compression = reader.compression
        guard !reader.pending.isEmpty else { throw reader.damage ?? .empty }
        outcome.encoding = reader.pending.withUnsafeBytes { TextEncoding.detect($0) }
        if outcome.encoding != .utf8 {
            // UTF-16 is transcoded whole (it is rare, and a transcoding boundary could split a surrogate pair).
            try reader.fill(atLeast: .max)
            let (utf8, _) = reader.pending.withUnsafeBytes { TextEncoding.transcodeUTF16($0, littleEndian: outcome.encoding == .utf16LE) }
            reader.pending = utf8
        }
        let start = reader.pending.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var firstText = reader.pending.withUnsafeBytes { dump.firstNonWhitespace($0, from: start) }
        while firstText == reader.pending.count && !reader.atEnd {
            try reader.fill(atLeast: reader.pending.count * 2)
            firstText = reader.pending.withUnsafeBytes { dump.firstNonWhitespace($0, from: start) }
        }
        guard firstText < reader.pending.count else { throw reader.damage ?? .empty }
        // The count of invalid bytes, when the check read the whole input (a plain-text article needs it).
        let invalidBytes = try reader.pending.withUnsafeBytes { buffer in
            try Result { () throws(InputError) in try dump.checkText(buffer, complete: reader.atEnd) }.get()
        }
        // The first line decides the format.
        while !reader.atEnd && reader.pending.count < configuration.limits.maxLineBytes
            && !reader.pending[firstText...].contains(0x0A)
        {
            try reader.fill(atLeast: reader.pending.count * 2)
        }
        outcome.format = reader.pending.withUnsafeBytes { dump.detectFormat($0, firstText: firstText) }

        var template = SourceTemplate(file: sourceName, sha256: sha256, compression: outcome.compression, encoding: outcome.encoding, format: outcome.format)
        template.duplicates = configuration.duplicates == nil ? nil : duplicates
        switch outcome.format {
        case .text:
            try streamPlainText(
                &reader,
                dump: dump,
                start: start,
                invalidBytes: invalidBytes,
                template: template,
                deadline: deadline,
                outcome: &outcome,
                write: write
            )
        case .jsonl:
            try streamJSONLines(&reader, dump: dump, start: start, template: template, deadline: deadline, outcome: &outcome, write: write)
        case .warc:
            try streamWARC(&reader, dump: dump, start: firstText, template: template, deadline: deadline, outcome: &outcome, write: write)
        }
        outcome.inputBytes = reader.inputBytes
        outcome.decompressedBytes = reader.decompressedBytes
        if let damage = reader.damage {
            // The records before the break are written; the break is reported where the readable input ends.
            outcome.report(ReadIssue(line: nil, offset: reader.decompressedBytes, reason: "\(damage); the input was read up to there"))
        }
        return outcome
    }

    struct SourceTemplate {
        var file: String
        var sha256: String
        var compression: Compression
        var encoding: TextEncoding
        var format: InputFormat
        /// Whether the chunks are the input exactly as stored (see `Pipeline.SourceInfo.inputIsFile`).
        var inputIsFile = false
        /// Where repeated articles are looked up, in input order.
        var duplicates: DuplicateSession?

        func info(input: UnsafeRawBufferPointer, baseOffset: Int) -> Pipeline.SourceInfo {
            var info = Pipeline.SourceInfo(file: file, sha256: sha256)
            info.inputIsFile = inputIsFile
            info.compression = compression
            info.encoding = encoding
            info.format = format
            info.input = input
            info.baseOffset = baseOffset
            return info
        }
    }

    /// One article: the title line and the body up to the size limit are kept; the rest is only counted.
    ///
    /// - Parameter invalidBytes: the invalid UTF-8 bytes of the whole input, when the binary check read all of it.
    private func streamPlainText<Source: ByteSource>(
        _ reader: inout DecodedReader<Source>,
        dump: DumpReader,
        start: Int,
        invalidBytes: Int?,
        template: SourceTemplate,
        deadline: Deadline?,
        outcome: inout StreamOutcome,
        write: ([UInt8]) throws -> Void
    ) throws {
        let limits = configuration.limits
        let cap = start + limits.maxArticleBytes + 2 * limits.maxTitleBytes + 4096
        try reader.fill(atLeast: cap)
        var kept = reader.pending
        if kept.count > cap { kept.removeSubrange(cap...) }
        try reader.drain()
        let total = reader.decompressedBytes
        let cutAtLimit = total > kept.count
        if reader.damage != nil {
            // A broken gzip stream: the article is what was inflated, without the character it may have cut.
            kept.removeLast(kept.withUnsafeBytes { UTF8Bytes.unfinishedSuffixLength($0) })
        }
        // Counted already unless bytes were cut off (the reader counts again when it cuts at the size limit).
        let known = reader.damage == nil ? invalidBytes : nil
        var article = kept.withUnsafeBytes { dump.readPlainText($0, from: start, invalidBytes: known) }
        if cutAtLimit {
            article.length = total - start
            article.truncated = true
            // The kept bytes may end inside a character: end the body at a character boundary.
            while let last = article.body.last, last & 0xC0 == 0x80 || last >= 0xC0 { article.body.removeLast() }
        }
        article.truncated = article.truncated || reader.damage != nil
        // The file as stored, whole (not inflated, transcoded or cut): its hash, which the caller made, is the
        // article's, and the record id is not hashed again.
        var template = template
        template.inputIsFile = template.compression == .none && template.encoding == .utf8 && !cutAtLimit && reader.damage == nil
        var pipeline = workers.take()
        defer { workers.give(pipeline) }
        let encoded = try encode(Chunk(bytes: kept, base: 0, articles: [article]), pipeline: &pipeline, template: template, deadline: deadline)
        try write(encoded.member)
        outcome.articles = 1
        outcome.chunks = 1
        outcome.outputBytes = encoded.member.count
        outcome.tally = encoded.tally
    }

    struct Chunk {
        var bytes: [UInt8]
        var base: Int
        var articles: [RawArticle]
    }

    /// Complete lines, about `chunkBytes` at a time; a line longer than the limit is reported and skipped
    /// without ever being held whole.
    private func streamJSONLines<Source: ByteSource>(
        _ reader: inout DecodedReader<Source>,
        dump: DumpReader,
        start: Int,
        template: SourceTemplate,
        deadline: Deadline?,
        outcome: inout StreamOutcome,
        write: ([UInt8]) throws -> Void
    ) throws {
        let limits = configuration.limits
        var base = start
        reader.pending.removeFirst(start)
        var lineNumber = 1
        var indexBase = 0
        var batcher = ChunkBatcher(streaming: self, template: template, deadline: deadline)
        defer {
            batcher.abandon()
            batcher.release()
        }

        func report(_ issues: [ReadIssue], base: Int) {
            for issue in issues {
                var absolute = issue
                absolute.offset += base
                outcome.report(absolute)
            }
        }

        while true {
            if let deadline, deadline.hasPassed { throw InputError.tooSlow(seconds: deadline.budget) }
            try reader.fill(atLeast: chunkBytes)
            // The cut depends only on the content: the last line end within chunkBytes, or the end of a
            // longer line; never on how the reads happened to fall.
            var cut = reader.pending.count
            if !reader.atEnd || cut > chunkBytes {
                let window = reader.pending[0..<min(chunkBytes, reader.pending.count)]
                if let last = window.lastIndex(of: 0x0A) {
                    cut = last + 1
                } else if let first = reader.pending[window.endIndex...].firstIndex(of: 0x0A) {
                    cut = first + 1
                } else if reader.atEnd {
                    cut = reader.pending.count
                } else {
                    cut = 0
                }
                if cut == 0 {
                    if reader.pending.count > limits.maxLineBytes {
                        // One line longer than the limit: report it and drop it up to its end, never holding it.
                        report([ReadIssue(line: lineNumber, offset: 0, reason: "line of more than \(limits.maxLineBytes) bytes exceeds the limit (max-line-bytes)")], base: base)
                        let skipped = try reader.skipLine()
                        base += skipped
                        lineNumber += 1
                        continue
                    }
                    try reader.fill(atLeast: reader.pending.count * 2)
                    continue
                }
            }
            if cut > 0 {
                var articles: [RawArticle] = []
                var issues: [ReadIssue] = []
                let chunk = Array(reader.pending[0..<cut])
                let lines = try chunk.withUnsafeBytes { buffer in
                    try Result { () throws(InputError) in
                        try dump.readJSONLineChunk(buffer, firstLine: lineNumber, indexBase: indexBase, articles: &articles, issues: &issues)
                    }.get()
                }
                report(issues, base: base)
                lineNumber += lines
                indexBase += articles.count
                if !articles.isEmpty {
                    try batcher.add(Chunk(bytes: chunk, base: base, articles: articles), outcome: &outcome, write: write)
                }
                reader.pending.removeFirst(cut)
                base += cut
            }
            if reader.atEnd && reader.pending.isEmpty { break }
        }
        try batcher.finish(outcome: &outcome, write: write)
        outcome.articles = indexBase
        try outcome.requireArticles(damage: reader.damage)
    }

    /// Web archive records, one article per `conversion` or `response` record, gathered into chunks of about
    /// `chunkBytes`; a record larger than the article limit keeps its first part and the rest is skipped
    /// unread into memory.
    private func streamWARC<Source: ByteSource>(
        _ reader: inout DecodedReader<Source>,
        dump: DumpReader,
        start: Int,
        template: SourceTemplate,
        deadline: Deadline?,
        outcome: inout StreamOutcome,
        write: ([UInt8]) throws -> Void
    ) throws {
        let limits = configuration.limits
        var batcher = ChunkBatcher(streaming: self, template: template, deadline: deadline)
        defer {
            batcher.abandon()
            batcher.release()
        }
        var base = start
        reader.pending.removeFirst(start)
        var chunk: [UInt8] = []
        var articles: [RawArticle] = []
        var chunkBase = base
        func report(_ reason: String, at offset: Int) {
            outcome.report(ReadIssue(line: nil, offset: offset, reason: reason))
        }
        func consume(_ count: Int) {
            reader.pending.removeFirst(count)
            base += count
        }
        while true {
            if let deadline, deadline.hasPassed { throw InputError.tooSlow(seconds: deadline.budget) }
            try reader.fill(atLeast: 64 * 1024)
            var skip = 0
            while skip < reader.pending.count && isASCIIWhitespace(reader.pending[skip]) { skip += 1 }
            consume(skip)
            if reader.pending.isEmpty && reader.atEnd { break }
            let parsed = reader.pending.withUnsafeBytes { WARCReader.parseHeader($0, from: 0) }
            switch parsed {
            case .incomplete:
                if reader.atEnd {
                    report("the input ends inside a record header", at: base)
                    consume(reader.pending.count)
                } else {
                    try reader.fill(atLeast: reader.pending.count * 2)
                }
            case .malformed(let reason):
                report(reason, at: base)
                // Resynchronise at the next line that starts a record.
                let next = reader.pending.withUnsafeBytes { WARCReader.nextRecord($0, after: 0) }
                consume(next ?? reader.pending.count)
            case .header(let header, let contentStart):
                let length = header.contentLength
                let kept = min(length, limits.maxArticleBytes)
                try reader.fill(atLeast: contentStart + kept)
                let available = min(reader.pending.count - contentStart, kept)
                let content = Array(reader.pending[contentStart..<(contentStart + available)])
                let contentOffset = base + contentStart
                consume(min(reader.pending.count, contentStart + available))
                // The rest of a record beyond the article limit is skipped without being held (and flagged below).
                if length > available {
                    let skipped = try reader.skip(length - available)
                    base += skipped
                    if available + skipped < length { report("the input ends inside a record's content", at: contentOffset) }
                }
                let made = content.withUnsafeBytes { bytes in
                    WARCReader.article(header, content: bytes, contentOffset: contentOffset, cut: available < length, index: outcome.articles, reader: dump)
                }
                guard var article = made else {
                    outcome.skippedRecords[header.type.isEmpty ? "untyped" : header.type, default: 0] += 1
                    continue
                }
                guard outcome.articles < limits.maxArticles else { throw InputError.tooManyArticles(limit: limits.maxArticles) }
                article.offset = chunk.count
                chunk.append(contentsOf: content)
                articles.append(article)
                outcome.articles += 1
                if chunk.count >= chunkBytes {
                    try batcher.add(Chunk(bytes: chunk, base: chunkBase, articles: articles), outcome: &outcome, write: write)
                    chunk = []
                    articles = []
                    chunkBase = base
                }
            }
        }
        if !articles.isEmpty {
            try batcher.add(Chunk(bytes: chunk, base: chunkBase, articles: articles), outcome: &outcome, write: write)
        }
        try batcher.finish(outcome: &outcome, write: write)
        try outcome.requireArticles(damage: reader.damage)
    }

    /// Collects chunks and encodes them `parallelism` at a time, writing the members in input order.
    ///
    /// A full batch is encoded in the background while the caller reads the next one (reading and parsing
    /// would otherwise leave the workers idle); at most two batches are in memory. Each batch in flight has
    /// its own set of pipelines.
    struct ChunkBatcher {
        let streaming: StreamingPipeline
        let template: SourceTemplate
        let deadline: Deadline?
        var batch: [Chunk] = []
        /// Two sets of one pipeline per worker: the batch being encoded uses one, the next batch the other.
        private var pipelineSets: [WorkerSlots<Pipeline>]
        private var nextSet = 0
        private var inFlight: (group: DispatchGroup, results: WorkerSlots<Result<EncodedChunk, any Error>>)?

        init(streaming: StreamingPipeline, template: SourceTemplate, deadline: Deadline?) {
            self.streaming = streaming
            self.template = template
            self.deadline = deadline
            let sets = streaming.parallelism > 1 ? 2 : 1
            pipelineSets = (0..<sets).map { _ in WorkerSlots((0..<streaming.parallelism).map { _ in streaming.workers.take() }) }
        }

        /// Gives the pipelines back to the pool (after `finish` or `abandon`).
        mutating func release() {
            for set in pipelineSets {
                for pipeline in set.all { streaming.workers.give(pipeline) }
            }
            pipelineSets = []
        }

        mutating func add(_ chunk: Chunk, outcome: inout StreamOutcome, write: ([UInt8]) throws -> Void) throws {
            batch.append(chunk)
            if batch.count >= streaming.parallelism { try flush(outcome: &outcome, write: write) }
        }

        /// Writes the batch in flight, if any, and starts the collected one.
        mutating func flush(outcome: inout StreamOutcome, write: ([UInt8]) throws -> Void) throws {
            try drain(outcome: &outcome, write: write)
            guard !batch.isEmpty else { return }
            let chunks = batch
            batch.removeAll(keepingCapacity: true)
            let pipelines = pipelineSets[nextSet]
            nextSet = (nextSet + 1) % pipelineSets.count
            if streaming.parallelism == 1 {
                // One worker: encode here, nothing to overlap with.
                var pipeline = pipelines[0]
                defer { pipelines[0] = pipeline }
                try emit([try streaming.encode(chunks[0], pipeline: &pipeline, template: template, deadline: deadline)], outcome: &outcome, write: write)
                return
            }
            let results = WorkerSlots([Result<EncodedChunk, any Error>](repeating: .success(EncodedChunk()), count: chunks.count))
            let group = DispatchGroup()
            let streaming = self.streaming
            let template = self.template
            let deadline = self.deadline
            // Repeats are looked up in input order: chunk i waits until chunk i - 1 has been (its records are
            // made before, and compressed after, in parallel). A chunk that failed still signals.
            let resolved = (0..<chunks.count).map { _ in DispatchSemaphore(value: 0) }
            for i in chunks.indices {
                DispatchQueue.global().async(group: group) {
                    var pipeline = pipelines[i]
                    defer { pipelines[i] = pipeline }
                    var pending: Result<PendingChunk, any Error> = Result { try streaming.records(chunks[i], pipeline: &pipeline, template: template, deadline: deadline) }
                    if let session = template.duplicates {
                        if i > 0 { resolved[i - 1].wait() }
                        if case .success(var chunk) = pending {
                            session.resolve(&chunk.slots)
                            pending = .success(chunk)
                        }
                    }
                    resolved[i].signal()
                    results[i] = pending.flatMap { chunk in Result { try streaming.finish(chunk) } }
                }
            }
            inFlight = (group, results)
        }

        /// Writes everything: the collected chunks and the batch in flight. Call it once at the end.
        mutating func finish(outcome: inout StreamOutcome, write: ([UInt8]) throws -> Void) throws {
            try flush(outcome: &outcome, write: write)
            try drain(outcome: &outcome, write: write)
        }

        /// Waits for the batch in flight, if any, without writing it (after an error elsewhere).
        mutating func abandon() {
            inFlight?.group.wait()
            inFlight = nil
        }

        /// Waits for the batch in flight and writes its members in order.
        private mutating func drain(outcome: inout StreamOutcome, write: ([UInt8]) throws -> Void) throws {
            guard let (group, results) = inFlight else { return }
            group.wait()
            inFlight = nil
            var encoded: [EncodedChunk] = []
            encoded.reserveCapacity(results.count)
            for i in 0..<results.count {
                switch results[i] {
                case .success(let chunk): encoded.append(chunk)
                case .failure(let error): throw error
                }
            }
            try emit(encoded, outcome: &outcome, write: write)
        }

        private func emit(_ chunks: [EncodedChunk], outcome: inout StreamOutcome, write: ([UInt8]) throws -> Void) throws {
            for chunk in chunks {
                try write(chunk.member)
                outcome.outputBytes += chunk.member.count
                outcome.chunks += 1
                outcome.tally.add(chunk.tally)
            }
        }
    }

    /// A chunk's records, as written, and what became of its articles.
    struct EncodedChunk {
        /// A gzip member (or plain JSON Lines when `compressOutput` is off).
        var member: [UInt8] = []
        var tally = ArticleTally()
    }

    /// A chunk's records before repeats are looked up: their JSON Lines and, when looked up, their places.
    struct PendingChunk {
        var json: [UInt8]
        var slots: [RecordSlot]
        var tally: ArticleTally
    }

    /// The records of one chunk (the parallel part).
    fileprivate func records(_ chunk: Chunk, pipeline: inout Pipeline, template: SourceTemplate, deadline: Deadline?) throws -> PendingChunk {
        var out = JSONWriter(capacity: chunk.bytes.count + chunk.bytes.count / 2 + 1024)
        var slots: [RecordSlot]? = template.duplicates == nil ? nil : []
        let tally = try chunk.bytes.withUnsafeBytes { buffer in
            try Result { () throws(InputError) in
                try pipeline.writeRecords(
                    chunk.articles,
                    source: template.info(input: buffer, baseOffset: chunk.base),
                    deadline: deadline,
                    into: &out,
                    slots: &slots,
                    index: template.duplicates?.index
                )
            }.get()
        }
        return PendingChunk(json: out.bytes, slots: slots ?? [], tally: tally)
    }

    /// The chunk's output once repeats are known: each marked (a `"duplicate"` member) or left out, as
    /// `configuration.duplicates` says, then compressed.
    /// One chunk, start to end, when no other chunk runs beside it: its records, its repeats, its member.
    fileprivate func encode(_ chunk: Chunk, pipeline: inout Pipeline, template: SourceTemplate, deadline: Deadline?) throws -> EncodedChunk {
        var pending = try records(chunk, pipeline: &pipeline, template: template, deadline: deadline)
        template.duplicates?.resolve(&pending.slots)
        return try finish(pending)
    }

    fileprivate func finish(_ chunk: PendingChunk) throws -> EncodedChunk {
        var tally = chunk.tally
        var json = chunk.json
        if chunk.slots.contains(where: { $0.match != nil }) {
            let drop = configuration.duplicates == .drop
            var out = JSONWriter(capacity: json.count + 128 * chunk.slots.count)
            var copied = 0
            for slot in chunk.slots {
                guard let match = slot.match else { continue }
                tally.duplicates += 1
                tally.exactDuplicates += match.exact ? 1 : 0
                if drop {
                    out.bytes += json[copied..<slot.start]
                    copied = slot.end
                    tally.droppedDuplicates += 1
                    tally.written -= 1
                    if let language = slot.language { tally.languages.add(language, -1) }
                } else {
                    out.bytes += json[copied..<slot.hole]
                    Pipeline.writeDuplicate(match, into: &out)
                    copied = slot.hole
                }
            }
            out.bytes += json[copied...]
            json = out.bytes
        }
        return EncodedChunk(member: compressOutput ? try codec.compress(json) : json, tally: tally)
    }
}

/// Pipelines kept between inputs: a pipeline's buffers (tokens, terms, tables) grow to the articles it has seen
/// and are reused, so an input costs no new ones. Each is used by one thread at a time.
final class PipelinePool: Sendable {
    let configuration: PipelineConfiguration
    private let idle = Locked<[Pipeline]>([])

    init(configuration: PipelineConfiguration) {
        self.configuration = configuration
    }

    func take() -> Pipeline {
        idle.withLock { $0.popLast() } ?? Pipeline(configuration: configuration)
    }

    func give(_ pipeline: Pipeline) {
        idle.withLock { $0.append(pipeline) }
    }
}

/// Slots that parallel workers fill, one slot per worker index.
///
/// Raw storage, not an Array: two threads writing different elements of one Array still make overlapping
/// accesses to the array itself. Each slot is touched by one worker (a task of a batch) and read only after
/// the batch's group has been waited for, which is what makes the unchecked conformance sound.
final class WorkerSlots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Value>
    let count: Int

    init(_ values: [Value]) {
        count = values.count
        storage = .allocate(capacity: values.count)
        storage.initialize(from: values, count: values.count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    subscript(i: Int) -> Value {
        get { storage[i] }
        set { storage[i] = newValue }
    }

    var all: [Value] { Array(UnsafeBufferPointer(start: storage, count: count)) }
}

/// Reads a source, decompressing gzip and zstd transparently, into a buffer of pending decoded bytes.
struct DecodedReader<Source: ByteSource> {
    var source: Source
    let limits: InflateLimits
    var pending: [UInt8] = []
    private(set) var atEnd = false
    private(set) var compression = Compression.none
    /// Where a compressed stream stopped early (truncated, or followed by bytes that are not of its format):
    /// the input ends there, and what was decompressed before it is read as usual. What a truncated stream gives
    /// is exactly the start of what was compressed. A corrupt stream is thrown instead: the library may notice
    /// the damage only at the member's or frame's checksum, after handing over wrong bytes; so are the limits
    /// (a likely bomb).
    private(set) var damage: InputError?
    private(set) var inputBytes = 0
    /// Decoded bytes produced so far (consumed or pending).
    private(set) var decompressedBytes = 0
    private var inflater: (any StreamInflater)?
    private var started = false
    /// The block buffer: allocated at the first read, as large as the source (when it says) up to 256 KiB,
    /// and not zeroed (every read writes what it returns).
    private var raw: [UInt8] = []

    init(source: Source, limits: InflateLimits) {
        self.source = source
        self.limits = limits
    }

    /// Reads until `pending` holds at least `count` bytes or the input ends.
    mutating func fill(atLeast count: Int) throws {
        while pending.count < count && !atEnd {
            try readBlock(keep: true)
        }
    }

    /// Reads the rest of the input, only counting it.
    mutating func drain() throws {
        while !atEnd { try readBlock(keep: false) }
    }

    /// Drops the next `count` bytes (pending first, then read and discarded); returns how many there were.
    mutating func skip(_ count: Int) throws -> Int {
        var left = count
        let fromPending = min(left, pending.count)
        pending.removeFirst(fromPending)
        left -= fromPending
        while left > 0 && !atEnd {
            try readBlock(keep: true)
            let take = min(left, pending.count)
            pending.removeFirst(take)
            left -= take
        }
        return count - left
    }

    /// Drops pending bytes up to and including the next line feed, reading as needed; returns how many.
    mutating func skipLine() throws -> Int {
        var skipped = 0
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                pending.removeFirst(newline + 1)
                return skipped + newline + 1
            }
            skipped += pending.count
            pending.removeAll(keepingCapacity: true)
            if atEnd { return skipped }
            try readBlock(keep: true)
        }
    }

    /// Reads one block from the source, inflating it if needed; `keep` appends the result to `pending`.
    private mutating func readBlock(keep: Bool) throws {
        // The block buffer is moved out while the source writes into it (both are parts of self).
        if self.raw.isEmpty {
            self.raw = .readBlock(forSize: source.sizeHint, limit: 256 * 1024)
        }
        var raw: [UInt8] = []
        swap(&raw, &self.raw)
        defer { swap(&raw, &self.raw) }
        let n = try raw.withUnsafeMutableBytes { try source.read(into: $0) }
        if n == 0 {
            atEnd = true
            if let inflater {
                do { try inflater.finish() } catch { damage = try Self.inputEnd(error) }
            }
            return
        }
        inputBytes += n
        if !started {
            started = true
            compression = raw.withUnsafeBytes { Compression.detect(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            switch compression {
            case .gzip:
                do { inflater = try GzipInflater(limits: limits) } catch { throw InputError.gzip(error) }
            case .zstd:
                do { inflater = try ZstdInflater(limits: limits) } catch { throw InputError.zstd(error) }
            case .none:
                break
            }
        }
        if let inflater {
            var produced = 0
            // The pieces decompressed before a break are kept (they were handed over before it was found).
            defer { decompressedBytes += produced }
            do {
                try raw.withUnsafeBytes { block in
                    try inflater.inflate(UnsafeRawBufferPointer(rebasing: block[0..<n])) { piece in
                        produced += piece.count
                        if keep { pending.append(contentsOf: piece) }
                    }
                }
            } catch {
                damage = try Self.inputEnd(error)
                atEnd = true
            }
        } else {
            if keep { pending.append(contentsOf: raw[0..<n]) }
            decompressedBytes += n
        }
    }

    /// A decompression error that ends the input where it happened (a stream cut short, or followed by other
    /// bytes), as what to report; anything else (corrupt data, a limit) is thrown.
    private static func inputEnd(_ error: any Error) throws(InputError) -> InputError {
        switch error {
        case let error as GzipError:
            switch error {
            case .truncated, .trailingGarbage: return .gzip(error)
            case .corrupt, .outputLimitExceeded, .expansionRatioExceeded, .zlib: throw .gzip(error)
            }
        case let error as ZstdError:
            switch error {
            case .truncated, .trailingGarbage: return .zstd(error)
            case .corrupt, .outputLimitExceeded, .expansionRatioExceeded, .outOfMemory: throw .zstd(error)
            }
        default:
            throw .gzip(.zlib(code: -1, message: "\(error)"))
        }
    }
}

/// A decompressor fed a stream in pieces: gzip's or zstd's.
protocol StreamInflater: AnyObject {
    func inflate(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws
    func finish() throws
}

extension GzipInflater: StreamInflater {}
extension ZstdInflater: StreamInflater {}
