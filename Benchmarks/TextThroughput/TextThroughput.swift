import Benchmark
import WinnowCore

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
    // glibc's allocator as it comes: the executable's tuning (`Allocator.keepFreedMemory`) helps many small
    // inputs but, in this harness (its malloc interposer), slows the large-text suites by a sixth.
    tokenizerBenchmarks()
    cleanerBenchmarks()
    pipelineBenchmarks()
}
