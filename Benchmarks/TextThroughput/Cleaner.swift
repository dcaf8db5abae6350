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

    // News prose, the common input: the title line and the body of each article, as the plain-text reader
    // splits them.
    let news = Corpus.englishArticles.map { article in
        let titleEnd = article.firstIndex(of: 0x0A) ?? article.count
        return (title: Array(article[..<titleEnd]), body: Array(article[min(titleEnd + 1, article.count)...]))
    }
    let newsBytes = news.reduce(0) { $0 + $1.body.count }
    Benchmark("Cleaner/English news bodies (BBC, 2,226 articles), \(newsBytes) bytes") { benchmark in
        let cleaner = Cleaner()
        let valid = news.map { article in article.body.withUnsafeBytes { UTF8Bytes.invalidByteCount($0) == 0 } }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for (article, valid) in zip(news, valid) {
                let cleaned = article.body.withUnsafeBytes { body in
                    article.title.withUnsafeBytes { cleaner.clean(body: body, title: $0, bodyIsValidUTF8: valid) }
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
