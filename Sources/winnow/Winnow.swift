import ArgumentParser
import WinnowCore
import WinnowDaemon

@main
struct WinnowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Turns article dumps into clean, tokenized, analysed, gzip-compressed JSON Lines.",
        version: Winnow.version,
        subcommands: [Process.self, Dedup.self, Watch.self, Status.self, Explain.self, Tokenize.self, Sentences.self, Langid.self, Bench.self]
    )

    static func main() {
        Allocator.keepFreedMemory()
        main(nil)
    }
}
