import Foundation
import Testing

/// The `winnow` executable built next to the test bundle.
func winnowExecutable() throws -> URL {
    let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for candidate in [bundleFolder, bundleFolder.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("winnow")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    let selfExe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let url = selfExe.appendingPathComponent("winnow")
    try #require(FileManager.default.isExecutableFile(atPath: url.path), "winnow binary not found near \(selfExe.path)")
    return url
}

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `winnow` with arguments and a deadline.
func runWinnow(_ arguments: [String], timeout: TimeInterval = 120) throws -> RunResult {
    let process = Process()
    process.executableURL = try winnowExecutable()
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    nonisolated(unsafe) var stdoutData = Data()
    nonisolated(unsafe) var stderrData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    group.enter()
    DispatchQueue.global().async {
        stderrData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    if group.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        Issue.record("winnow \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    return RunResult(
        status: process.terminationStatus,
        stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self)
    )
}

/// A fresh temporary folder, removed when the value goes away.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a fresh temporary folder that is removed afterwards.
func withTemporaryFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

/// The shared corpus beside the project (`../shared/corpus`), found from this source file.
func corpusFolder() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus")
}

func gunzip(_ url: URL) throws -> [UInt8] {
    try decompressed(url, with: ["/bin/gzip", "-dc"])
}

/// The output of a decompressing tool (`gzip -dc`, `zstd -dc`, a Python one-liner) given the file's path.
func decompressed(_ url: URL, with command: [String]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst()) + [url.path]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(command.joined(separator: " ")) failed on \(url.path)")
    return Array(data)
}

extension Dictionary where Key == String, Value == Any {
    /// The value at a path of keys through nested objects.
    subscript(path path: String...) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }
}

/// The files of a spool's ledger (`state/ledger/<xx>/…`), as `<xx>/<name>`: entries are bare hashes, claims end
/// in `.claim`.
func ledgerFiles(_ spool: URL) throws -> [String] {
    let folder = spool.appendingPathComponent("state/ledger")
    return try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.contains("/") }
}
