import Benchmark
import WinnowCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 50
    )

    // Throughput is reported in iterations per second; each iteration handles `bytes` bytes, so
    // MB/s = throughput × bytes / 1e6 (the README table does this arithmetic).

    Benchmark("Tokenizer/English news (BBC, 5 MB)") { benchmark in
        let text = Corpus.englishNews
        var tokens: [Token] = []
        tokens.reserveCapacity(text.count / 4)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            tokens.removeAll(keepingCapacity: true)
            text.withUnsafeBytes { Tokenizer().tokenize($0, into: &tokens) }
            blackHole(tokens.count)
        }
    }

    Benchmark("Cleaner/Zyte page text (181 pages)") { benchmark in
        let pages = Corpus.zytePages
        let cleaner = Cleaner()
        let empty: [UInt8] = []
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for page in pages {
                let cleaned = page.withUnsafeBytes { body in
                    empty.withUnsafeBytes { cleaner.clean(body: body, title: $0) }
                }
                blackHole(cleaned.text.count)
            }
        }
    }

    Benchmark("Pipeline/BBC articles without compression") { benchmark in
        let articles = Corpus.files("clean/bbc")
        var pipeline = Pipeline()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for article in articles {
                blackHole((try? pipeline.process(article, sourceName: "a.txt"))?.jsonl.count)
            }
        }
    }
}
