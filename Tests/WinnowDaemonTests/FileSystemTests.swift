import Testing
import WinnowDaemon

@Suite struct FileSystemTests {
    @Test func splitsPaths() {
        #expect(FileSystem.split("a/b/c.txt") == ("a/b", "c.txt"))
        #expect(FileSystem.split("c.txt") == (".", "c.txt"))
        #expect(FileSystem.split("/c.txt") == ("/", "c.txt"))
    }
}
