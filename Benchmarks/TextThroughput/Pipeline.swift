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
    // The records as one buffer: how the output writer hands a chunk to its codec.
    Benchmark("Gzip/zlib level 6, BBC records, \(recordBytes.count) bytes") { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole((try? GzipEncoder.compress(recordBytes, level: 6))?.count) }
    }
    for codec in [OutputCodec(.gzip, level: 1), OutputCodec(.gzip), OutputCodec(.zstd, level: 1), OutputCodec(.zstd)] {
        Benchmark("Compression/\(codec.library) \(codec), BBC records, \(recordBytes.count) bytes") { benchmark in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole((try? codec.compress(recordBytes))?.count) }
        }
    }

    let dump = Corpus.arabicDump
    for codec in [OutputCodec.gzip, OutputCodec(.zstd)] {
        Benchmark("End to end/Arabic JSON Lines, streamed in chunks, \(codec), 2 threads, \(dump.count) bytes") { benchmark in
            let streaming = StreamingPipeline(codec: codec, parallelism: 2)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var source = MemorySource(dump)
                var written = 0
                _ = try? streaming.run(&source, sourceName: "dump.jsonl", sha256: "") { written += $0.count }
                blackHole(written)
            }
        }
    }
}
