import Benchmark
import WinnowCore

func tokenizerBenchmarks() {
    // Whole texts, and the BBC articles one at a time as the pipeline tokenizes them (the token array then
    // stays in the cache).
    let articles = Corpus.englishArticles
    let cases: [(name: String, texts: [[UInt8]])] = [
        ("English news (BBC)", [Corpus.englishNews]),
        ("English news (BBC), \(articles.count) articles", articles),
        ("Arabic (SaudiNewsNet)", [Corpus.arabic]),
        ("Chinese (Sogou)", [Corpus.chinese]),
    ]
    for (name, texts) in cases {
        let bytes = texts.reduce(0) { $0 + $1.count }
        Benchmark("Tokenizer/\(name), \(bytes) bytes") { benchmark in
            var tokens: [Token] = []
            tokens.reserveCapacity((texts.map(\.count).max() ?? 0) / 3)
            let tokenizer = Tokenizer()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for text in texts {
                    tokens.removeAll(keepingCapacity: true)
                    text.withUnsafeBytes { tokenizer.tokenize($0, into: &tokens) }
                    blackHole(tokens.count)
                }
            }
        }
    }

    let english = Corpus.englishNews
    Benchmark("Sentences/English news (BBC), \(english.count) bytes") { benchmark in
        var sentences: [Range<Int>] = []
        sentences.reserveCapacity(english.count / 60)
        let splitter = SentenceSplitter()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            sentences.removeAll(keepingCapacity: true)
            english.withUnsafeBytes { splitter.split($0, into: &sentences) }
            blackHole(sentences.count)
        }
    }
}
