import Benchmark
import Dispatch
import WinnowCore

func pipelineBenchmarks() {
    let articles = Corpus.files("clean/bbc")
    let bytes = articles.reduce(0) { $0 + $1.count }
    Benchmark("Pipeline/BBC articles without compression, \(bytes) bytes") { benchmark in
        var pipeline = Pipeline()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for article in articles { blackHole((try? pipeline.process(article, sourceName: "a.txt"))?.jsonl.count) }
        }
    }

    var records: [UInt8] = []
    var pipeline = Pipeline()
    for article in articles { records += (try? pipeline.process(article, sourceName: "a.txt"))?.jsonl ?? [] }
    let recordBytes = records
    for level in [1, 6] {
        Benchmark("Gzip/level \(level), BBC records, \(recordBytes.count) bytes") { benchmark in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole((try? GzipEncoder.compress(recordBytes, level: level))?.count) }
        }
    }

    let dump = Corpus.arabicDump
    Benchmark("End to end/Arabic JSON Lines, streamed in chunks, level 6, 2 threads, \(dump.count) bytes") { benchmark in
        let streaming = StreamingPipeline(level: 6, parallelism: 2)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var source = MemorySource(dump)
            var written = 0
            _ = try? streaming.run(&source, sourceName: "dump.jsonl", sha256: "") { written += $0.count }
            blackHole(written)
        }
    }
}
