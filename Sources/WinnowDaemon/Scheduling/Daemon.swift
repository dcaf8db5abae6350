import Dispatch
import Logging
import WinnowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The watch-folder daemon: takes files from `inbox/`, processes them, and commits each result exactly once.
///
/// A serial queue owns the spool state (what is queued, settling, in flight, waiting to retry); a concurrent
/// queue runs at most `workers` files at once, each with its own pipeline. The folder is the queue and
/// inotify events are hints: a rescan at start, on overflow and periodically rebuilds everything.
///
/// Per file: claim by atomic rename into `work/<instance>/`; process; write the output to a hidden temporary
/// name in `out/`, `fsync`, rename, `fsync` the folder; record the content hash in the ledger; only then move
/// the input to `done/`. A crash at any point leaves the input in `work/`, and the replay at start gives the
/// same bytes again.
public final class Daemon: Sendable {
    /// Called on SIGHUP to rebuild the configuration (re-reading the configuration file).
    public typealias Reloader = @Sendable () throws -> DaemonConfiguration

    private let queue = DispatchQueue(label: "winnow.spool")
    private let workerQueue = DispatchQueue(label: "winnow.workers", attributes: .concurrent)
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let reloader: Reloader?
    public let metrics = Metrics()
    private let ledger: Ledger
    /// The article index, shared by the workers, and this instance's file of it (`state/articles-<instance>.idx`).
    private let duplicateIndex: DuplicateIndex
    private let duplicateStore: DuplicateStore
    private let state: Locked<State>
    private let sources = Locked<[any DispatchSourceProtocol]>([])
    private let watcher = Locked<InotifyWatcher?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    private struct Pending: Sendable {
        var name: String
        /// Already in `work/<instance>/` (recovered after a crash, or waiting for a retry).
        var claimed: Bool
    }

    private struct Settling {
        var size: Int
        var mtime: Int
        var since: Double
    }

    private struct State {
        var configuration: DaemonConfiguration
        var ready: [Pending] = []
        var readyHead = 0
        var queued: Set<String> = []
        var settling: [String: Settling] = [:]
        var inFlight: [String: Int] = [:]
        var bytesInFlight = 0
        /// The last retry delay of each file waiting after a transient error.
        var retryDelays: [String: Double] = [:]
        var ignored: Set<String> = []
        var idleProcessors: [FileProcessor] = []
        /// Bumped by a configuration reload: processors built before it are not reused.
        var generation = 0
        var stopping = false
        var finished = false
        var settleCheckScheduled = false
        var statusBytes = 0
        var statusTime = 0.0
        var exitCode: Int32 = 0

        var queueDepth: Int { ready.count - readyHead }
    }

    private enum Outcome: Sendable {
        case processed(tally: ArticleTally, bytesIn: Int, bytesOut: Int, seconds: Double)
        case duplicate
        case quarantined(kind: String)
        case retry(FileError)
        /// The same content is being processed (here or by another instance): try again once that is settled.
        case waiting(for: String)
        case vanished
    }

    public init(configuration: DaemonConfiguration, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(), reloader: Reloader? = nil)
        throws(FileError)
    {
        try configuration.spool.prepare(instance: configuration.instance)
        let spool = configuration.spool
        let (instance, leaseSeconds) = (configuration.instance, configuration.leaseSeconds)
        ledger = try Ledger(
            folder: spool.state + "/ledger",
            instance: instance,
            isAlive: { Self.leaseIsFresh(of: $0, work: spool.work, comparedWith: instance, leaseSeconds: leaseSeconds) },
            importing: spool.state + "/ledger.tsv"
        )
        duplicateIndex = DuplicateIndex(configuration: configuration.duplicateIndex)
        // One article store per instance (see `SpoolLayout.articleStoreName`); the single store of earlier versions
        // becomes the first instance's to start.
        let ownStore = spool.state + "/" + SpoolLayout.articleStoreName(instance: instance)
        if !FileSystem.exists(ownStore) && FileSystem.exists(spool.state + "/duplicates.idx") {
            try FileSystem.move(spool.state + "/duplicates.idx", to: ownStore)
        }
        duplicateStore = try DuplicateStore(path: ownStore)
        if let retired = duplicateStore.retiredPath {
            logger.notice("article index of an earlier version moved aside; the index starts afresh", metadata: ["path": "\(retired)"])
        }
        if configuration.deduplicate {
            // An input's articles count once its output is committed, which the ledger records after the commit:
            // the articles of an input replayed after a crash are not found as their own repeats.
            let ledger = self.ledger
            var loaded = 0
            for name in try FileSystem.listFolder(spool.state) where SpoolLayout.isArticleStore(name) {
                let ours = name == SpoolLayout.articleStoreName(instance: instance)
                let store = ours ? duplicateStore : try DuplicateStore(path: spool.state + "/" + name, readOnly: true)
                loaded += try store.load(
                    into: duplicateIndex,
                    counts: { ledger.contains(sha256: $0) },
                    temporaryTag: ours ? "\(instance)-\(getpid())" : nil
                )
            }
            if loaded > 0 { logger.info("article index loaded", metadata: ["articles": "\(loaded)"]) }
        }
        self.logger = logger
        self.notifier = notifier
        self.reloader = reloader
        state = Locked(State(configuration: configuration))
    }

    private var configuration: DaemonConfiguration { state.withLock { $0.configuration } }
    private var workFolder: String {
        state.withLock { $0.configuration.spool.work(instance: $0.configuration.instance) }
    }
    private var temporaryTag: String { "\(configuration.instance)-\(getpid())" }

    // MARK: Life cycle

    /// Starts watching and processing; returns at once. Call `wait()` to block until a signal stops the daemon.
    public func start() throws(FileError) {
        let configuration = self.configuration
        removeTemporaryFiles(of: configuration.instance)
        renewLease()
        let recovered = try FileSystem.listFolder(workFolder)
        if !configuration.poll {
            let watcher = try InotifyWatcher(folder: configuration.spool.inbox, queue: queue) { [weak self] event in
                self?.handle(event)
            }
            self.watcher.withLock { $0 = watcher }
        }
        installSignalHandlers()
        queue.sync {
            for name in recovered where SpoolLayout.isCandidate(name) {
                enqueue(Pending(name: name, claimed: true))
            }
            rescan()
        }
        if !recovered.isEmpty {
            logger.notice("recovering files claimed before a restart", metadata: ["count": "\(recovered.count)"])
        }
        startTimers()
        writeMetrics()
        logger.info(
            "watching",
            metadata: [
                "inbox": "\(configuration.spool.inbox)", "workers": "\(configuration.workers)",
                "mode": "\(configuration.poll ? "poll" : "inotify")", "ledger": "\(ledger.count)",
            ]
        )
        notifier.notify("READY=1\nSTATUS=watching \(configuration.spool.inbox)")
        queue.async { self.schedule() }
    }

    /// Blocks until the daemon has stopped; returns its exit status.
    public func wait() -> Int32 {
        finished.wait()
        return state.withLock { $0.exitCode }
    }

    /// Stops claiming, lets in-flight files finish within the grace period, releases the rest to the inbox.
    public func stop() {
        queue.async {
            let (alreadyStopping, grace, idle) = self.state.withLock { s in
                defer { s.stopping = true }
                return (s.stopping, s.configuration.graceSeconds, s.inFlight.isEmpty)
            }
            guard !alreadyStopping else { return }
            self.notifier.notify("STOPPING=1")
            self.logger.info("stopping", metadata: ["in-flight": "\(self.state.withLock { $0.inFlight.count })"])
            if idle {
                self.finish()
                return
            }
            self.queue.asyncAfter(deadline: .now() + grace) { self.releaseInFlightAndFinish() }
        }
    }

    private func releaseInFlightAndFinish() {
        let names = state.withLock { Array($0.inFlight.keys) }
        guard !names.isEmpty else { return }
        let configuration = self.configuration
        for name in names.sorted() {
            do {
                try FileSystem.move(workFolder + "/" + name, to: FileSystem.unusedPath(in: configuration.spool.inbox, name: name))
                logger.warning("grace period over, released to the inbox", metadata: ["file": "\(name)"])
            } catch {
                logger.error("could not release; it stays claimed and is replayed on restart", metadata: ["file": "\(name)", "error": "\(error)"])
            }
        }
        finish()
    }

    private func finish() {
        let first = state.withLock { s -> Bool in
            defer { s.finished = true }
            return !s.finished
        }
        guard first else { return }
        watcher.withLock { $0?.cancel() }
        sources.withLock { list in
            for source in list { source.cancel() }
            list.removeAll()
        }
        writeMetrics()
        logger.info("stopped")
        finished.signal()
    }

    private func installSignalHandlers() {
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            addSource {
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { [weak self] in
                    guard let self else { return }
                    if signalNumber == SIGHUP { self.reload() } else { self.stop() }
                }
                return source
            }
        }
    }

    private func startTimers() {
        let configuration = self.configuration
        let interval = configuration.poll ? configuration.pollSeconds : configuration.rescanSeconds
        addSource {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(20))
            timer.setEventHandler { [weak self] in self?.rescan() }
            return timer
        }
        addSource {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + configuration.statusSeconds, repeating: configuration.statusSeconds)
            timer.setEventHandler { [weak self] in self?.reportStatus() }
            return timer
        }
        addSource {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + configuration.leaseRenewSeconds, repeating: configuration.leaseRenewSeconds)
            timer.setEventHandler { [weak self] in self?.tendLeases() }
            return timer
        }
        if let watchdog = SystemdNotifier.watchdogInterval() {
            // Pinged from the spool queue: a stuck queue stops the pings and systemd restarts the service.
            addSource {
                let timer = DispatchSource.makeTimerSource(queue: queue)
                timer.schedule(deadline: .now(), repeating: watchdog / 2)
                timer.setEventHandler { [weak self] in self?.notifier.notify("WATCHDOG=1") }
                return timer
            }
        }
    }

    /// Creates, starts and keeps a dispatch source (made inside the lock, so it never crosses isolation).
    private func addSource(_ make: () -> any DispatchSourceProtocol) {
        sources.withLock { list in
            let source = make()
            source.resume()
            list.append(source)
        }
    }

    private func reload() {
        guard let reloader else { return }
        notifier.notify("RELOADING=1")
        do {
            let fresh = try reloader()
            state.withLock { s in
                if fresh.spool != s.configuration.spool || fresh.instance != s.configuration.instance {
                    logger.warning("spool folders and instance name change only on restart")
                }
                var next = fresh
                next.spool = s.configuration.spool
                next.instance = s.configuration.instance
                s.configuration = next
                s.idleProcessors.removeAll()
                s.generation += 1
            }
            logger.info("configuration reloaded")
        } catch {
            logger.error("configuration reload failed; keeping the previous one", metadata: ["error": "\(error)"])
        }
        notifier.notify("READY=1")
        schedule()
    }

    // MARK: Discovery (on the spool queue)

    private func handle(_ event: InotifyWatcher.Event) {
        switch event {
        case .overflow:
            logger.warning("inotify queue overflowed; rescanning the inbox")
            rescan()
        case .ready(let name):
            guard SpoolLayout.isCandidate(name) else { return }
            inspect(name, announced: true)
            schedule()
        case .created(let name):
            guard SpoolLayout.isCandidate(name) else { return }
            inspect(name, announced: false)
        }
    }

    /// Lists the inbox and queues every file that is ready; files still changing wait to settle.
    private func rescan() {
        let inbox = configuration.spool.inbox
        let names: [String]
        do {
            names = try FileSystem.listFolder(inbox)
        } catch {
            logger.error("cannot list the inbox", metadata: ["error": "\(error)"])
            return
        }
        let present = Set(names)
        state.withLock { s in
            s.settling = s.settling.filter { present.contains($0.key) }
            s.ignored = s.ignored.filter { present.contains($0) }
        }
        for name in names where SpoolLayout.isCandidate(name) {
            inspect(name, announced: false)
        }
        schedule()
    }

    private func inspect(_ name: String, announced: Bool) {
        let (configuration, busy) = state.withLock { s in
            (s.configuration, s.queued.contains(name) || s.inFlight[name] != nil || s.stopping)
        }
        guard !busy else { return }
        let path = configuration.spool.inbox + "/" + name
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFLNK:
            // Never follow a link out of the inbox; the link itself goes to quarantine.
            quarantine(from: path, name: name, kind: "symlink", message: "a symbolic link; links are not followed", sha256: nil)
            return
        default:
            let first = state.withLock { $0.ignored.insert(name).inserted }
            if first {
                let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file (FIFO, socket or device)"
                logger.warning("ignored: \(kind)", metadata: ["file": "\(name)"])
            }
            return
        }
        let size = Int(info.st_size)
        let mtime = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let now = monotonicSeconds()
        let ready: Bool = state.withLock { s in
            if announced || configuration.settleSeconds == 0 {
                s.settling[name] = nil
                return true
            }
            if let previous = s.settling[name], previous.size == size, previous.mtime == mtime {
                return now - previous.since >= configuration.settleSeconds
            }
            s.settling[name] = Settling(size: size, mtime: mtime, since: now)
            return false
        }
        if ready {
            state.withLock { $0.settling[name] = nil }
            enqueue(Pending(name: name, claimed: false))
        } else {
            scheduleSettleCheck(after: configuration.settleSeconds)
        }
    }

    private func scheduleSettleCheck(after seconds: Double) {
        let first = state.withLock { s -> Bool in
            defer { s.settleCheckScheduled = true }
            return !s.settleCheckScheduled
        }
        guard first else { return }
        queue.asyncAfter(deadline: .now() + seconds + 0.01) {
            let names = self.state.withLock { s -> [String] in
                s.settleCheckScheduled = false
                return Array(s.settling.keys)
            }
            for name in names.sorted() { self.inspect(name, announced: false) }
            self.schedule()
        }
    }

    private func enqueue(_ item: Pending) {
        state.withLock { s in
            guard !s.queued.contains(item.name), s.inFlight[item.name] == nil else { return }
            s.queued.insert(item.name)
            s.ready.append(item)
        }
    }

    // MARK: Scheduling (on the spool queue)

    /// Starts as many queued files as the worker and memory limits allow.
    private func schedule() {
        while let (item, processor, size, generation) = nextJob() {
            let configuration = self.configuration
            let work = workFolder + "/" + item.name
            if !item.claimed {
                // The claim: one atomic rename. Whoever renames first owns the file.
                if rename(configuration.spool.inbox + "/" + item.name, work) != 0 {
                    let error = FileError("claim", path: configuration.spool.inbox + "/" + item.name)
                    state.withLock { s in
                        s.inFlight[item.name] = nil
                        s.bytesInFlight -= size
                        if generation == s.generation { s.idleProcessors.append(processor) }
                    }
                    if error.code != ENOENT { retryLater(item, error: error) }
                    continue
                }
            }
            workerQueue.async {
                var processor = processor
                let outcome = self.process(name: item.name, with: &processor)
                let used = processor
                self.queue.async { self.complete(item, outcome: outcome, size: size, processor: used, generation: generation) }
            }
        }
        let (depth, flight) = state.withLock { ($0.queueDepth, $0.inFlight.count) }
        metrics.update { m in
            m.queueDepth = depth
            m.inFlight = flight
        }
    }

    /// Pops the next file that fits the limits, marks it in flight, and hands out a processor for it.
    private func nextJob() -> (Pending, FileProcessor, Int, generation: Int)? {
        state.withLock { s -> (Pending, FileProcessor, Int, generation: Int)? in
            guard !s.stopping, s.readyHead < s.ready.count, s.inFlight.count < s.configuration.workers else { return nil }
            let item = s.ready[s.readyHead]
            let folder = item.claimed ? s.configuration.spool.work(instance: s.configuration.instance) : s.configuration.spool.inbox
            var info = stat()
            let size = lstat(folder + "/" + item.name, &info) == 0 ? Int(info.st_size) : 0
            // A file larger than the cap still runs, but only when nothing else does.
            if !s.inFlight.isEmpty && s.bytesInFlight + size > s.configuration.maxBytesInFlight { return nil }
            s.readyHead += 1
            if s.readyHead > 1024 && s.readyHead * 2 > s.ready.count {
                s.ready.removeFirst(s.readyHead)
                s.readyHead = 0
            }
            s.queued.remove(item.name)
            s.inFlight[item.name] = size
            s.bytesInFlight += size
            let processor =
                s.idleProcessors.popLast()
                ?? FileProcessor(configuration: s.configuration.pipeline, codec: s.configuration.codec)
            return (item, processor, size, s.generation)
        }
    }

    private func complete(_ item: Pending, outcome: Outcome, size: Int, processor: FileProcessor, generation: Int) {
        state.withLock { s in
            s.inFlight[item.name] = nil
            s.bytesInFlight -= size
            if generation == s.generation, s.idleProcessors.count < s.configuration.workers {
                s.idleProcessors.append(processor)
            }
        }
        switch outcome {
        case .processed(let tally, let bytesIn, let bytesOut, let seconds):
            state.withLock { s in
                s.retryDelays[item.name] = nil
                s.statusBytes += bytesIn
            }
            metrics.update { m in
                m.filesProcessed += 1
                m.articles += tally.written
                m.languages.merge(tally.languages.dictionary, uniquingKeysWith: +)
                m.otherLanguages.merge(tally.otherLanguages.dictionary, uniquingKeysWith: +)
                m.duplicateArticles += tally.duplicates
                m.exactDuplicateArticles += tally.exactDuplicates
                m.droppedDuplicateArticles += tally.droppedDuplicates
                m.bytesIn += bytesIn
                m.bytesOut += bytesOut
            }
            metrics.observe(seconds: seconds)
        case .duplicate:
            state.withLock { $0.retryDelays[item.name] = nil }
            metrics.update { $0.filesDuplicate += 1 }
        case .quarantined(let kind):
            state.withLock { $0.retryDelays[item.name] = nil }
            metrics.update { $0.failures[kind, default: 0] += 1 }
        case .retry(let error):
            retryLater(Pending(name: item.name, claimed: true), error: error)
        case .waiting(let original):
            waitForOriginal(Pending(name: item.name, claimed: true), original: original)
        case .vanished:
            break
        }
        let (stopping, idle) = state.withLock { ($0.stopping, $0.inFlight.isEmpty) }
        if stopping {
            if idle { finish() }
            return
        }
        schedule()
    }

    /// A copy of content in progress elsewhere stays claimed and is looked at again: shortly at first, then each
    /// time after twice the delay, at most one lease renewal apart (a dead owner's claim is broken after its lease
    /// expires).
    private func waitForOriginal(_ item: Pending, original: String) {
        let delay = nextDelay(for: item.name) { ($0 == 0 ? 0.05 : $0 * 2, max(0.05, $1.leaseRenewSeconds)) }
        if delay <= 0.05 {
            logger.info("same content in progress; waiting for it", metadata: ["file": "\(item.name)", "repeats": "\(original)"])
        }
        requeue(item, after: delay)
    }

    /// Transient trouble (permissions, full disk, I/O): the file stays where it is and is tried again later,
    /// each time after twice the delay, up to the configured maximum.
    private func retryLater(_ item: Pending, error: FileError) {
        let delay = nextDelay(for: item.name) { ($0 == 0 ? $1.retryInitialSeconds : $0 * 2, $1.retryMaxSeconds) }
        metrics.update { $0.retries += 1 }
        logger.warning("transient error; will retry", metadata: ["file": "\(item.name)", "error": "\(error)", "retry-in-seconds": "\(delay)"])
        requeue(item, after: delay)
    }

    /// A file's next delay before it is looked at again, from its previous one (0 the first time): `step` gives
    /// the next delay and its ceiling.
    private func nextDelay(for name: String, _ step: (Double, DaemonConfiguration) -> (Double, Double)) -> Double {
        state.withLock { s in
            let (next, ceiling) = step(s.retryDelays[name] ?? 0, s.configuration)
            s.retryDelays[name] = min(next, ceiling)
            return min(next, ceiling)
        }
    }

    private func requeue(_ item: Pending, after delay: Double) {
        queue.asyncAfter(deadline: .now() + delay) {
            guard !self.state.withLock({ $0.stopping }) else { return }
            if item.claimed {
                self.enqueue(item)
            } else {
                self.inspect(item.name, announced: true)
            }
            self.schedule()
        }
    }

    // MARK: Processing one file (on a worker)

    private func process(name: String, with processor: inout FileProcessor) -> Outcome {
        let configuration = self.configuration
        let spool = configuration.spool
        let workPath = workFolder + "/" + name
        let started = monotonicSeconds()
        let source: FileSource
        let sha: String
        do {
            source = try FileSource(path: workPath, noFollow: true)
            sha = try source.sha256()
        } catch {
            switch error.code {
            case ENOENT:
                return .vanished
            case ELOOP:
                quarantine(from: workPath, name: name, kind: "symlink", message: "a symbolic link; links are not followed", sha256: nil)
                return .quarantined(kind: "symlink")
            case EISDIR:
                quarantine(from: workPath, name: name, kind: "not-a-file", message: "not a regular file", sha256: nil)
                return .quarantined(kind: "not-a-file")
            default:
                return error.isTransient ? .retry(error) : quarantineOutcome(workPath, name, "io", error.description, nil)
            }
        }
        if configuration.deduplicate {
            let reservation: Ledger.Reservation
            do throws(FileError) {
                reservation = try ledger.reserve(sha256: sha, input: name)
            } catch {
                return error.isTransient ? .retry(error) : quarantineOutcome(workPath, name, "io", error.description, sha)
            }
            switch reservation {
            case .reserved:
                break
            case .duplicate(let original, nil):
                // Not retired until the original is committed: if its processing fails or its instance dies,
                // this copy is the one that gets output.
                return .waiting(for: original)
            case .duplicate(let original, let output?):
                if original == name && FileSystem.exists(spool.out + "/" + output) {
                    logger.info("already processed before a restart", metadata: ["file": "\(name)", "output": "\(output)"])
                } else {
                    logger.notice("duplicate content, not output again", metadata: ["file": "\(name)", "repeats": "\(original)"])
                }
                return retire(workPath, name: name, configuration: configuration) ?? .duplicate
            }
        }
        // Stream into a hidden temporary file in out/; it becomes visible only at the commit's rename.
        let plainName = name + configuration.codec.fileExtension
        let session =
            configuration.deduplicate && configuration.pipeline.duplicates != nil ? DuplicateSession(index: duplicateIndex) : nil
        let streamed: StreamOutcome
        let outputName: String
        do throws(ProcessingError) {
            let writer: AtomicFileWriter
            do throws(FileError) {
                writer = try AtomicFileWriter(folder: spool.out, name: plainName, temporaryTag: temporaryTag)
            } catch {
                throw ProcessingError.file(error)
            }
            streamed = try processor.stream(source, sourceName: name, sha256: sha, duplicates: session) { member throws(FileError) in
                try writer.write(member)
            }
            outputName = self.outputName(plain: plainName, sha256: sha, candidate: writer.temporaryPath, folder: spool.out)
            do throws(FileError) {
                // The input's articles are durable in the index before its output appears (see `init`).
                if let session, !session.added.isEmpty { try duplicateStore.append(sha256: sha, articles: session.added) }
                try writer.commit(as: outputName)
                if configuration.deduplicate {
                    try ledger.record(sha256: sha, output: outputName, input: name)
                }
            } catch {
                throw ProcessingError.file(error)
            }
        } catch {
            ledger.release(sha256: sha)
            session?.rollback()
            if error.isTransient, case .file(let fileError) = error { return .retry(fileError) }
            return quarantineOutcome(workPath, name, error.kind, error.description, sha)
        }
        let otherLanguages = streamed.tally.otherLanguageCount
        let dropped = streamed.tally.droppedDuplicates
        if streamed.issueCount > 0 || otherLanguages > 0 || dropped > 0 {
            for issue in streamed.issues.prefix(20) {
                logger.warning("skipped part of the input", metadata: ["file": "\(name)", "where": "\(issue)"])
            }
            var parts: [String] = []
            if streamed.issueCount > 0 { parts.append("\(streamed.issueCount) part(s) skipped") }
            if otherLanguages > 0 { parts.append("\(otherLanguages) article(s) in other languages left out") }
            if dropped > 0 { parts.append("\(dropped) article(s) repeating earlier ones left out") }
            writeReason(
                to: spool.done + "/" + name + ".issues.json",
                name: name,
                kind: streamed.issueCount > 0 ? "partial" : "filtered",
                message: parts.joined(separator: ", ") + "; the rest was output to \(outputName)",
                sha256: sha,
                issues: streamed.issues,
                otherLanguages: streamed.tally.otherLanguages.dictionary,
                droppedDuplicates: dropped
            )
        }
        let seconds = monotonicSeconds() - started
        logger.info(
            "processed",
            metadata: [
                "file": "\(name)", "output": "\(outputName)", "articles": "\(streamed.tally.written)",
                "duplicates": "\(streamed.tally.duplicates)",
                "bytes-in": "\(streamed.inputBytes)", "bytes-out": "\(streamed.outputBytes)", "ms": "\(Int(seconds * 1000))",
            ]
        )
        if let outcome = retire(workPath, name: name, configuration: configuration) { return outcome }
        return .processed(tally: streamed.tally, bytesIn: streamed.inputBytes, bytesOut: streamed.outputBytes, seconds: seconds)
    }

    /// `<name>.jsonl.gz` (or `.jsonl.zst`), unless a different output already has that name (an earlier file
    /// of the same name with other content): then the content hash makes it unique. Same bytes: the same name
    /// (replay).
    private func outputName(plain: String, sha256: String, candidate: String, folder: String) -> String {
        let existing = folder + "/" + plain
        guard FileSystem.exists(existing) else { return plain }
        if FileSystem.sameContent(existing, candidate) { return plain }
        let ending = plain.hasSuffix(".jsonl.zst") ? ".jsonl.zst" : ".jsonl.gz"
        return String(plain.dropLast(ending.count)) + "." + sha256.prefix(12) + ending
    }

    /// Moves a finished input to `done/` (or deletes it); nil when that worked.
    private func retire(_ workPath: String, name: String, configuration: DaemonConfiguration) -> Outcome? {
        do throws(FileError) {
            switch configuration.onSuccess {
            case .keep:
                try FileSystem.move(workPath, to: FileSystem.unusedPath(in: configuration.spool.done, name: name))
            case .delete:
                guard unlink(workPath) == 0 else { throw FileError("delete", path: workPath) }
                try FileSystem.syncFolder(FileSystem.split(workPath).folder)
            }
            return nil
        } catch {
            // The output is committed; the input stays claimed and its replay is recognised by the ledger.
            return .retry(error)
        }
    }

    private func quarantineOutcome(_ path: String, _ name: String, _ kind: String, _ message: String, _ sha256: String?) -> Outcome {
        quarantine(from: path, name: name, kind: kind, message: message, sha256: sha256)
        return .quarantined(kind: kind)
    }

    /// Moves an unusable input to `failed/` with a `<name>.reason.json` beside it. It is never retried.
    private func quarantine(from path: String, name: String, kind: String, message: String, sha256: String?) {
        let failed = configuration.spool.failed
        let destination = FileSystem.unusedPath(in: failed, name: name)
        let finalName = FileSystem.split(destination).name
        writeReason(to: failed + "/" + finalName + ".reason.json", name: name, kind: kind, message: message, sha256: sha256, issues: [])
        do {
            try FileSystem.move(path, to: destination)
        } catch {
            logger.error("could not quarantine", metadata: ["file": "\(name)", "error": "\(error)"])
        }
        if FileSystem.split(path).folder == configuration.spool.inbox {
            metrics.update { $0.failures[kind, default: 0] += 1 }
        }
        logger.error("quarantined", metadata: ["file": "\(name)", "reason": "\(kind)", "message": "\(message)"])
    }

    private func writeReason(
        to path: String,
        name: String,
        kind: String,
        message: String,
        sha256: String?,
        issues: [ReadIssue],
        otherLanguages: [String: Int] = [:],
        droppedDuplicates: Int = 0
    ) {
        var json = JSONWriter()
        json.beginObject()
        json.key("file")
        json.string(name)
        json.key("reason")
        json.string(kind)
        json.key("message")
        json.string(message)
        if let sha256 {
            json.key("sha256")
            json.string(sha256)
        }
        if !issues.isEmpty {
            json.key("issues")
            json.beginArray()
            for issue in issues {
                json.beginObject()
                if let line = issue.line {
                    json.key("line")
                    json.int(line)
                }
                json.key("offset")
                json.int(issue.offset)
                json.key("reason")
                json.string(issue.reason)
                json.endObject()
            }
            json.endArray()
        }
        if droppedDuplicates > 0 {
            json.key("dropped_duplicates")
            json.int(droppedDuplicates)
        }
        if !otherLanguages.isEmpty {
            json.key("other_languages")
            json.beginObject()
            for code in otherLanguages.keys.sorted() {
                json.key(dynamic: code)
                json.int(otherLanguages[code]!)
            }
            json.endObject()
        }
        json.key("instance")
        json.string(configuration.instance)
        json.key("winnow")
        json.string(Winnow.version)
        json.endObject()
        json.bytes.append(0x0A)
        do {
            try FileSystem.writeAtomically(json.bytes, to: path, temporaryTag: temporaryTag)
        } catch {
            logger.error("could not write a reason file", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    // MARK: Status

    private func reportStatus() {
        let now = monotonicSeconds()
        let (bytes, since) = state.withLock { s -> (Int, Double) in
            defer {
                s.statusBytes = 0
                s.statusTime = now
            }
            return (s.statusBytes, s.statusTime)
        }
        let m = metrics.snapshot
        let rate = since > 0 ? Double(bytes) / 1e6 / max(now - since, 1e-3) : 0
        let failed = m.failures.values.reduce(0, +)
        notifier.notify(
            "STATUS=\(m.filesProcessed) done, \(m.filesDuplicate) duplicate, \(m.queueDepth) queued, \(m.inFlight) in flight, \(failed) failed, \(Int(rate * 10) / 10).\(Int(rate * 10) % 10) MB/s"
        )
        writeMetrics()
    }

    private func writeMetrics() {
        let path = configuration.spool.state + "/metrics.prom"
        do {
            try FileSystem.writeAtomically(Array(metrics.prometheusText().utf8), to: path, temporaryTag: temporaryTag)
        } catch {
            logger.warning("could not write metrics", metadata: ["error": "\(error)"])
        }
    }

    /// Removes temporary files an instance left in the spool's folders when it crashed mid-write.
    private func removeTemporaryFiles(of instance: String) {
        let configuration = self.configuration
        let marker = ".tmp-\(instance)-"
        for folder in [configuration.spool.out, configuration.spool.failed, configuration.spool.done, configuration.spool.state] {
            guard let names = try? FileSystem.listFolder(folder) else { continue }
            for name in names where name.hasPrefix(".") && name.contains(marker) {
                unlink(folder + "/" + name)
                logger.info("removed a partial file left by a crash", metadata: ["file": "\(folder)/\(name)"])
            }
        }
    }

    // MARK: Leases (several instances on one spool)

    private var leasePath: String { configuration.spool.work + "/" + configuration.instance + ".lease" }

    /// Touches this instance's lease: its modification time, set by the file system, says the instance lives.
    private func renewLease() {
        let path = leasePath
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            logger.warning("cannot renew the lease", metadata: ["path": "\(path)", "error": "\(FileError("open", path: path))"])
            return
        }
        var line = "\(defaultInstanceName()) \(getpid())\n"
        _ = ftruncate(fd, 0)
        line.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
        // Explicitly set the times to "now" as the file system sees it (on NFS, the server's clock).
        _ = futimens(fd, nil)
        close(fd)
    }

    /// Whether `other`'s lease is younger than `leaseSeconds`, compared with `instance`'s own lease (both times come
    /// from the same file system, so host clocks do not matter; without a lease of our own, with this host's clock).
    static func leaseIsFresh(of other: String, work: String, comparedWith instance: String, leaseSeconds: Double) -> Bool {
        guard let theirs = FileSystem.modificationTime(work + "/" + other + ".lease") else { return false }
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        let now = FileSystem.modificationTime(work + "/" + instance + ".lease") ?? Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
        return now - theirs <= leaseSeconds
    }

    /// Renews our lease, then reclaims the claims of every instance whose lease is older than `leaseSeconds`
    /// compared with ours (both times come from the same file system, so host clocks do not matter).
    private func tendLeases() {
        guard !state.withLock({ $0.stopping }) else { return }
        renewLease()
        let configuration = self.configuration
        guard let now = FileSystem.modificationTime(leasePath) else { return }
        guard let entries = try? FileSystem.listFolder(configuration.spool.work) else { return }
        for other in entries where other != configuration.instance && !other.hasSuffix(".lease") && !other.hasPrefix(".") {
            let folder = configuration.spool.work + "/" + other
            guard FileSystem.isFolder(folder) else { continue }
            guard let heartbeat = FileSystem.modificationTime(folder + ".lease") ?? FileSystem.modificationTime(folder) else { continue }
            guard now - heartbeat > configuration.leaseSeconds else { continue }
            let claimed = (try? FileSystem.listFolder(folder)) ?? []
            guard !claimed.isEmpty else { continue }
            var released = 0
            for name in claimed {
                // One rename per file: if another instance reclaims the same file first, ours fails harmlessly.
                let target = FileSystem.unusedPath(in: configuration.spool.inbox, name: name)
                if rename(folder + "/" + name, target) == 0 { released += 1 }
            }
            try? FileSystem.syncFolder(configuration.spool.inbox)
            removeTemporaryFiles(of: other)
            logger.notice(
                "reclaimed the files of an instance whose lease expired",
                metadata: ["instance": "\(other)", "files": "\(released)", "lease-age-seconds": "\(Int(now - heartbeat))"]
            )
            rescan()
        }
    }
}
