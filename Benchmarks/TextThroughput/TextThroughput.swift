import Benchmark
import WinnowCore
import WinnowDaemon

// Throughput is reported in iterations per second; each benchmark's name gives the bytes one iteration
// handles, so MB/s = throughput × bytes / 1e6 (the README's table does this arithmetic).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 50
    )
    // As the winnow executable does at start-up (see `Allocator`).
    Allocator.keepFreedMemory()
    tokenizerBenchmarks()
    cleanerBenchmarks()
    pipelineBenchmarks()
}
