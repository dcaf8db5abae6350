import Benchmark
import WinnowCore

func cleanerBenchmarks() {
    let pages = Corpus.zytePages
    let bytes = pages.reduce(0) { $0 + $1.count }
    Benchmark("Cleaner/Zyte page text (181 pages), \(bytes) bytes") { benchmark in
        let cleaner = Cleaner()
        let empty: [UInt8] = []
        // What the readers find out on the way (`RawArticle.bodyIsValidUTF8`), found out here untimed.
        let valid = pages.map { page in page.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) == 0 } }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for (page, valid) in zip(pages, valid) {
                let cleaned = page.withUnsafeBytes { body in
                    empty.withUnsafeBytes { cleaner.clean(body: body, title: $0, bodyIsValidUTF8: valid) }
                }
                blackHole(cleaned.text.count)
            }
        }
    }

    let articles = Corpus.files("clean/bbc")
    let articleBytes = articles.reduce(0) { $0 + $1.count }
    Benchmark("Analyzer/BBC articles (2,226), \(articleBytes) bytes") { benchmark in
        var analyzer = Analyzer()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for article in articles { blackHole(article.withUnsafeBytes { analyzer.analyze($0) }.0.words) }
        }
    }
}
