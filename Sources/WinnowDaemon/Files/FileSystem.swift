#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import WinnowCore

/// A failed system call on a file, with the path and `errno`.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var code: Int32

    public init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }

    /// Errors that may go away by themselves (permissions fixed, space freed, descriptors released):
    /// the daemon retries these later instead of quarantining the input.
    public var isTransient: Bool {
        switch code {
        case EACCES, EPERM, ENOSPC, EDQUOT, EIO, EMFILE, ENFILE, EAGAIN, EINTR, ENOMEM, EROFS, EBUSY, ETIMEDOUT:
            return true
        default:
            return false
        }
    }
}

/// A file opened for reading, as a `ByteSource` for the streaming pipeline. Owns its descriptor.
public final class FileSource: ByteSource {
    public let path: String
    private let fd: Int32
    /// The file's size when it was opened.
    public let size: Int

    /// Opens a regular file; with `noFollow`, a symbolic link is refused (`ELOOP`).
    public init(path: String, noFollow: Bool = false) throws(FileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0))
        guard fd >= 0 else { throw FileError("open", path: path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = FileError("stat", path: path)
            close(fd)
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileError("read", path: path, code: EISDIR)
        }
        self.fd = fd
        self.size = Int(info.st_size)
    }

    deinit { close(fd) }

    public var sizeHint: Int? { size }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw FileError("read", path: path) }
        }
    }

    /// Starts again from the first byte.
    public func rewind() throws(FileError) {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw FileError("seek", path: path) }
    }

    /// The SHA-256 of the rest of the file, read in blocks (then rewound).
    public func sha256() throws(FileError) -> String {
        var hasher = SHA256()
        // Sized to the file: a zeroed megabyte cost each few-kilobyte input more than reading it.
        var block = [UInt8].readBlock(forSize: size, limit: 1 << 20)
        while true {
            let n = block.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError("read", path: path)
            }
            if n == 0 { break }
            block.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        try rewind()
        return hexString(hasher.finalize())
    }
}

/// Writes a file durably and atomically, in pieces: a hidden temporary file in the target folder is written,
/// then `commit` `fsync`s it, renames it to its final name and `fsync`s the folder. Dropped without a commit,
/// the temporary file is removed.
public final class AtomicFileWriter {
    public let folder: String
    public let temporaryPath: String
    private var fd: Int32
    public private(set) var bytesWritten = 0

    public init(folder: String, name: String, temporaryTag: String? = nil) throws(FileError) {
        self.folder = folder
        temporaryPath = folder + "/." + name + ".tmp-" + (temporaryTag ?? "\(getpid())")
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("create", path: temporaryPath) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }

    public func write(_ bytes: [UInt8]) throws(FileError) {
        let failure: Int32 = bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return 0
        }
        if failure != 0 { throw FileError("write", path: temporaryPath, code: failure) }
        bytesWritten += bytes.count
    }

    /// Makes the file durable under `name` in the folder.
    ///
    /// - Parameter syncingFolder: `fsync` the folder, so that the rename itself survives a crash. A caller
    ///   that writes many files into one folder may pass false and sync the folder once at the end (see
    ///   `FileSystem.syncFolder`): until then a crash can lose a rename, never leave a partial file.
    public func commit(as name: String, syncingFolder: Bool = true) throws(FileError) {
        guard fsync(fd) == 0 else { throw FileError("fsync", path: temporaryPath) }
        let closing = fd
        fd = -1
        guard close(closing) == 0 else {
            unlink(temporaryPath)
            throw FileError("close", path: temporaryPath)
        }
        guard rename(temporaryPath, folder + "/" + name) == 0 else {
            let error = FileError("rename", path: folder + "/" + name)
            unlink(temporaryPath)
            throw error
        }
        if syncingFolder { try FileSystem.syncFolder(folder) }
    }
}

/// Small, explicit wrappers over POSIX file calls: the durability steps matter, so they are spelled out.
public enum FileSystem {
    /// Reads a whole regular file.
    ///
    /// - Parameter noFollow: refuse to open a symbolic link (the daemon never follows links in its inbox).
    public static func readFile(_ path: String, noFollow: Bool = false) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0))
        guard fd >= 0 else { throw FileError("open", path: path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError("stat", path: path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw FileError("read", path: path, code: EISDIR) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        var failure: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { break }
                done += n
            }
        }
        if failure != 0 { throw FileError("read", path: path, code: failure) }
        if done < size { bytes.removeSubrange(done...) }
        return bytes
    }

    /// Writes `bytes` to `path` atomically and durably: a hidden temporary file in the same folder is
    /// written, `fsync`ed and renamed over `path`, then the folder is `fsync`ed. A reader sees the old
    /// file or the whole new one, never a part, even after a crash or power loss.
    ///
    /// - Parameter temporaryTag: names the temporary file (`.<name>.tmp-<tag>`), so that an owner can
    ///   recognise and remove its own leftovers after a crash.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, temporaryTag: String? = nil) throws(FileError) {
        let (folder, name) = split(path)
        let writer = try AtomicFileWriter(folder: folder, name: name, temporaryTag: temporaryTag)
        try writer.write(bytes)
        try writer.commit(as: name)
    }

    /// `fsync`s a folder so that renames and creations in it are durable.
    public static func syncFolder(_ folder: String) throws(FileError) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path: folder) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileError("fsync", path: folder) }
    }

    /// Creates a folder and its parents (like `mkdir -p`).
    public static func createFolder(_ path: String) throws(FileError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw FileError("mkdir", path: partial)
            }
        }
        guard isFolder(path) else { throw FileError("mkdir", path: path, code: ENOTDIR) }
    }

    /// The size of a file (following links), or nil if it cannot be read.
    public static func size(of path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// When a file or folder was last modified (following links), in seconds since the epoch as its file system
    /// keeps it (on NFS, the server's clock); nil if it cannot be read.
    public static func modificationTime(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    public static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The names in a folder (without `.` and `..`), sorted by their bytes so that every run sees one order.
    public static func listFolder(_ path: String) throws(FileError) -> [String] {
        guard let dir = opendir(path) else { throw FileError("open folder", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        // The name is read in place: glibc sizes each entry to its name, so copying the whole `dirent`
        // (`entry.pointee`) would read past the end of a short entry (AddressSanitizer caught that).
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(dir) {
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { names.append(name) }
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return names
    }

    /// The regular files under `root`, recursively, as paths relative to `root`, sorted.
    /// Hidden files and folders (names starting with `.`) are skipped.
    public static func regularFiles(under root: String) throws(FileError) -> [String] {
        var result: [String] = []
        var pending: [String] = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? root : root + "/" + relative
            for name in try listFolder(folder) where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard stat(root + "/" + child, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(child)
                case S_IFREG: result.append(child)
                default: continue
                }
            }
        }
        result.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return result
    }

    /// Renames `from` to `to` and makes both folders durable.
    public static func move(_ from: String, to: String) throws(FileError) {
        guard rename(from, to) == 0 else { throw FileError("rename", path: from + " to " + to) }
        let fromFolder = split(from).folder
        let toFolder = split(to).folder
        try syncFolder(toFolder)
        if fromFolder != toFolder { try syncFolder(fromFolder) }
    }

    /// A path in `folder` for `name` that does not exist yet: `name`, else `name.1`, `name.2`, …
    public static func unusedPath(in folder: String, name: String) -> String {
        var candidate = folder + "/" + name
        var n = 0
        while exists(candidate) {
            n += 1
            candidate = folder + "/" + name + ".\(n)"
        }
        return candidate
    }

    /// Whether two files hold the same bytes.
    public static func sameContent(_ a: String, _ b: String) -> Bool {
        guard let x = try? FileSource(path: a), let y = try? FileSource(path: b) else { return false }
        var left = [UInt8](repeating: 0, count: 1 << 16)
        var right = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            guard let n = try? left.withUnsafeMutableBytes({ try x.read(into: $0) }),
                let m = try? right.withUnsafeMutableBytes({ try y.read(into: $0) }), n == m
            else { return false }
            if n == 0 { return true }
            if left[0..<n] != right[0..<n] { return false }
        }
    }

    /// Splits a path into its folder and last component.
    /// Copies everything readable from `fd` (standard input) into a new temporary file in `$TMPDIR` (or
    /// `/tmp`) and returns its path: the pipeline needs the whole input twice (its SHA-256 first).
    /// The caller removes the file.
    public static func spool(_ fd: Int32 = 0) throws(FileError) -> String {
        let folder = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((folder + "/winnow-stdin-XXXXXX").utf8CString)
        let out = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard out >= 0 else { throw FileError("create", path: path) }
        defer { close(out) }
        var buffer = [UInt8](unzeroedCount: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                let error = FileError("read", path: "standard input")
                unlink(path)
                throw error
            }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(out, $0.baseAddress! + written, n - written) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else {
                    let error = FileError("write", path: path)
                    unlink(path)
                    throw error
                }
                written += w
            }
        }
        return path
    }

    public static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}

/// The number of online processors.
public func onlineCores() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

/// The host name, the default instance name of a daemon.
public func defaultInstanceName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "local" }
    let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.isEmpty ? "local" : name
}
