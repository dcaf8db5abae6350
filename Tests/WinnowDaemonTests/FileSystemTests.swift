import Foundation
import Testing
import WinnowDaemon

@Suite struct FileSystemTests {
    @Test func splitsPaths() {
        #expect(FileSystem.split("a/b/c.txt") == ("a/b", "c.txt"))
        #expect(FileSystem.split("c.txt") == (".", "c.txt"))
        #expect(FileSystem.split("/c.txt") == ("/", "c.txt"))
    }

    /// Names from 1 to 255 bytes, multi-byte ones too, come back whole and sorted. (Regression: the folder
    /// listing copied whole `dirent` records, which glibc sizes to the name; AddressSanitizer reported the read
    /// past a short entry's end in the daemon tests.)
    @Test func listsNamesOfEveryLength() throws {
        let temporary = try TemporaryFolder()
        defer { withExtendedLifetime(temporary) {} }
        var expected: [String] = []
        for length in [1, 2, 7, 8, 9, 19, 20, 64, 200, 255] {
            let name = String(repeating: "a", count: length - 1) + "z"
            expected.append(name)
            #expect(FileManager.default.createFile(atPath: temporary.url.appendingPathComponent(name).path, contents: Data()))
        }
        let accented = "résumé-été.txt"
        expected.append(accented)
        #expect(FileManager.default.createFile(atPath: temporary.url.appendingPathComponent(accented).path, contents: Data()))
        let listed = try FileSystem.listFolder(temporary.url.path)
        #expect(listed == expected.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
