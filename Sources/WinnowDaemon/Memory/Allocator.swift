import CMalloc

/// How Winnow sets up the C allocator for its workload: many inputs, each allocating and freeing the same
/// working buffers.
public enum Allocator {
    /// Keeps freed memory for reuse instead of handing it back to the kernel after every input.
    ///
    /// Each input allocates and frees the same buffers (read blocks, records, the deflate state, about 300 KiB
    /// in all). By default glibc gives a thread arena's free top back to the kernel past 128 KiB, so the next
    /// input faults the pages in and zeroes them again, and on two threads every unmap also interrupts the
    /// other core to flush its TLB: on the BBC set (2,226 small files) a sixth of the time went to the kernel.
    /// With this, up to 32 MiB of free memory per arena is kept; blocks of 8 MiB and more are still mapped and
    /// unmapped on their own, so large inputs do not pin memory. Call it once, at start-up, before any thread.
    public static func keepFreedMemory() {
        _ = mallopt(M_MMAP_THRESHOLD, 8 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 32 << 20)
    }
}
