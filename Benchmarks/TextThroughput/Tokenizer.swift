import Benchmark
import WinnowCore

func tokenizerBenchmarks() {
    for (name, text) in [("English news (BBC)", Corpus.englishNews), ("Arabic (SaudiNewsNet)", Corpus.arabic), ("Chinese (Sogou)", Corpus.chinese)] {
        Benchmark("Tokenizer/\(name), \(text.count) bytes") { benchmark in
            var tokens: [Token] = []
            tokens.reserveCapacity(text.count / 3)
            let tokenizer = Tokenizer()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                tokens.removeAll(keepingCapacity: true)
                text.withUnsafeBytes { tokenizer.tokenize($0, into: &tokens) }
                blackHole(tokens.count)
            }
        }
    }

    // The same text as the pipeline sees it, one article at a time: the token array stays in the cache.
    let articles = Corpus.englishArticles
    let articleBytes = articles.reduce(0) { $0 + $1.count }
    Benchmark("Tokenizer/English news (BBC), \(articles.count) articles, \(articleBytes) bytes") { benchmark in
        var tokens: [Token] = []
        tokens.reserveCapacity(1 << 16)
        let tokenizer = Tokenizer()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for article in articles {
                tokens.removeAll(keepingCapacity: true)
                article.withUnsafeBytes { tokenizer.tokenize($0, into: &tokens) }
                blackHole(tokens.count)
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
