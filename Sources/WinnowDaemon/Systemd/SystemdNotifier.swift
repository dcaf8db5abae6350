#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends `sd_notify` messages to systemd without libsystemd: one datagram to the Unix socket named by
/// `$NOTIFY_SOCKET` (a leading `@` names an abstract socket). Without the variable it does nothing.
public struct SystemdNotifier: Sendable {
    private let socketPath: [UInt8]?

    public init(environment: [String: String] = currentEnvironment()) {
        if let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108 {
            var bytes = Array(path.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            socketPath = bytes
        } else {
            socketPath = nil
        }
    }

    public var isEnabled: Bool { socketPath != nil }

    /// Sends one notification, such as `READY=1` or `STATUS=…`; returns whether it was delivered.
    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in socketPath.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + socketPath.count)
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                payload.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length)
                }
            }
        }
        return sent == payload.count
    }

    /// The watchdog interval systemd asked for (`$WATCHDOG_USEC`), if it is meant for this process.
    public static func watchdogInterval(environment: [String: String] = currentEnvironment()) -> Double? {
        guard let value = environment["WATCHDOG_USEC"], let usec = Double(value), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], let target = Int32(pid), target != getpid() { return nil }
        return usec / 1e6
    }
}

/// The process environment as a dictionary.
public func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let pair = String(cString: entry)
        if let equals = pair.firstIndex(of: "=") {
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}
