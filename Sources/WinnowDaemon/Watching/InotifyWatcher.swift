import Dispatch
import WinnowCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Watches one folder with inotify and reports names that were closed after writing or moved in.
///
/// Events are hints: the owner rescans the folder on overflow (and periodically), so a lost event
/// delays a file but never loses it.
public final class InotifyWatcher: Sendable {
    public enum Event: Sendable, Equatable {
        /// A file was closed after writing, or moved into the folder.
        case ready(name: String)
        /// A name appeared that may still be being written (or is a link, FIFO or folder): inspect it.
        case created(name: String)
        /// The kernel queue overflowed: events were lost, rescan.
        case overflow
    }

    private let fd: Int32
    private let source: Locked<(any DispatchSourceRead)?>

    /// Starts watching `folder`; `handler` runs on `queue` for each event.
    public init(folder: String, queue: DispatchQueue, handler: @escaping @Sendable (Event) -> Void) throws(FileError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw FileError("inotify_init1", path: folder) }
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE) | UInt32(IN_ONLYDIR)
        guard inotify_add_watch(fd, folder, mask) >= 0 else {
            let error = FileError("inotify_add_watch", path: folder)
            close(fd)
            throw error
        }
        self.fd = fd
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [fd] in
            for event in Self.drain(fd) { handler(event) }
        }
        source.setCancelHandler { [fd] in close(fd) }
        source.resume()
        self.source = Locked(source)
    }

    public func cancel() {
        source.withLock { source in
            source?.cancel()
            source = nil
        }
    }

    /// Reads every pending event from the descriptor.
    static func drain(_ fd: Int32) -> [Event] {
        var events: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                let headerSize = MemoryLayout<inotify_event>.size
                while offset + headerSize <= count {
                    let header = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameLength = Int(header.len)
                    if header.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        events.append(.overflow)
                    } else if nameLength > 0 {
                        let nameBytes = raw[(offset + headerSize)..<(offset + headerSize + nameLength)]
                        let name = String(decoding: nameBytes.prefix(while: { $0 != 0 }), as: UTF8.self)
                        if !name.isEmpty {
                            let created = header.mask & UInt32(IN_CREATE) != 0
                            events.append(created ? .created(name: name) : .ready(name: name))
                        }
                    }
                    offset += headerSize + nameLength
                }
            }
        }
        return events
    }
}
