import Foundation

/// Benchmark inputs, read at run time from the shared corpus beside the project (`../shared/corpus`, or
/// `$WINNOW_CORPUS`), so nothing large is committed.
enum Corpus {
    static let root: URL = {
        if let path = ProcessInfo.processInfo.environment["WINNOW_CORPUS"] { return URL(fileURLWithPath: path) }
        // Benchmarks/TextThroughput/Corpus.swift -> <project>/../shared/corpus
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    /// Every `.txt` file under `folder`, sorted, each as bytes.
    static func files(_ folder: String) -> [[UInt8]] {
        let base = root.appendingPathComponent(folder)
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
            fatalError("corpus folder missing: \(base.path) (set WINNOW_CORPUS)")
        }
        let urls = enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "txt" }
            .sorted { $0.path < $1.path }
        return urls.map { Array((try? Data(contentsOf: $0)) ?? Data()) }
    }

    /// The BBC news set as one English text (articles separated by blank lines).
    static let englishNews: [UInt8] = Array(englishArticles.joined(separator: [0x0A, 0x0A]))
    /// The BBC articles one by one, as the pipeline tokenizes them.
    static let englishArticles: [[UInt8]] = files("clean/bbc")

    /// The Zyte pages rendered to text, with all their boilerplate.
    static let zytePages: [[UInt8]] = files("boilerplate/zyte/page-text")

    /// The Arabic JSON Lines days, concatenated (11 MB).
    static let arabicDump: [UInt8] = {
        let folder = root.appendingPathComponent("multilingual/arabic")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        return names.flatMap { Array((try? Data(contentsOf: folder.appendingPathComponent($0))) ?? Data()) }
    }()

    /// The text of the Arabic dump's lines as they are (JSON included), for the tokenizer.
    static let arabic: [UInt8] = arabicDump

    /// The Sogou Chinese news samples (0.6 MB).
    static let chinese: [UInt8] = {
        let folder = root.appendingPathComponent("multilingual/chinese")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        return names.flatMap { Array((try? Data(contentsOf: folder.appendingPathComponent($0))) ?? Data()) }
    }()
}
