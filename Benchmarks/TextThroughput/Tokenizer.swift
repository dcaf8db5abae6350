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
