/// One task's share of a batch run's inputs: task `index` of `count` takes the inputs whose relative path hashes
/// to it, so every task of an array job (Slurm, a Kubernetes Indexed Job) computes the same split without any
/// coordinator, and a task run again takes exactly the inputs it took before.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// From 0 to `count - 1`.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1, (0..<count).contains(index) else { throw ShardError("shard \(index)/\(count): the index must be from 0 to \(count - 1)") }
        self.index = index
        self.count = count
    }

    /// `I/N`, as `--shard` takes it.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ShardError("--shard \(text): expected I/N, such as 0/4")
        }
        try self.init(index: index, count: count)
    }

    /// The shard an array job's environment names, if any: Slurm's `SLURM_ARRAY_TASK_ID` with
    /// `SLURM_ARRAY_TASK_COUNT` (or with `SLURM_ARRAY_TASK_MIN` and `_MAX`, the array's bounds), or Kubernetes'
    /// `JOB_COMPLETION_INDEX` with `count` (`--shard-count`; an Indexed Job does not export its completions).
    public static func fromEnvironment(_ environment: [String: String], count: Int? = nil) throws(ShardError) -> Shard? {
        if let id = environment["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }) {
            if let min = environment["SLURM_ARRAY_TASK_MIN"].flatMap({ Int($0) }),
                let max = environment["SLURM_ARRAY_TASK_MAX"].flatMap({ Int($0) })
            {
                return try Shard(index: id - min, count: max - min + 1)
            }
            if let total = environment["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) {
                return try Shard(index: id, count: total)
            }
            throw ShardError("SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_COUNT or _MIN and _MAX")
        }
        if let id = environment["JOB_COMPLETION_INDEX"].flatMap({ Int($0) }) {
            guard let count else { throw ShardError("JOB_COMPLETION_INDEX is set: give the number of shards with --shard-count") }
            return try Shard(index: id, count: count)
        }
        return nil
    }

    /// Whether this shard takes the input at `relativePath` (relative to the folder given, or the file's name).
    public func owns(_ relativePath: String) -> Bool {
        Self.slot(of: relativePath, count: count) == index
    }

    /// FNV-1a (64 bits) of the path's bytes, finished by a multiply so that the low bits depend on all of them,
    /// modulo the number of shards: stable across runs, machines and versions.
    static func slot(of relativePath: String, count: Int) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in relativePath.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash ^= hash >> 29
        hash = hash &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return Int(hash % UInt64(count))
    }

    /// `shard-I-of-N`: the name of this shard's manifest and signatures.
    public var name: String { "shard-\(index)-of-\(count)" }

    public var description: String { "\(index)/\(count)" }
}

/// A shard that cannot be, or an environment that names one badly.
public struct ShardError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}
