import CProcessMemory
import CSQLite

/// What an idle process gives back: memory it holds only because it once ran (`OrderStore`
/// frees SQLite's side, `OrderStore.releaseMemory`).
///
/// An idle `kct node run` held 43 MiB resident, 38 MiB of it pages of the binary and the shared
/// libraries that starting and syncing had run or read once (BENCHMARKS.md "Session 8"). The
/// kernel maps the 64 KiB around every page a process faults in from a file that is in the page
/// cache, so a few thousand functions run once, spread over a binary, leave nearly all of its
/// code resident. Those pages stay in the page cache when a process lets go of them; the next
/// use maps them back with a minor fault, and pages nobody maps are what the kernel reclaims
/// first when memory runs short.
extension ProcessTuning {
    /// Returns malloc's free memory to the kernel and drops the pages of loaded code
    /// (`dropReadOnlySegmentPages`). Call when the process is idle: what it needs again comes
    /// back page by page.
    package static func releaseIdleMemory() {
        _ = kct_malloc_trim()
        dropReadOnlySegmentPages()
    }

    /// Drops the page-table entries of the read-only segments of the binary and every loaded
    /// library (code, constants, symbol tables), except pages that are the process's own copies
    /// (a relocated or patched page would revert to the file's bytes). `MADV_DONTNEED` on anonymous
    /// memory turns it into zeros, so the ranges come from the loader (`dl_iterate_phdr`, whose
    /// lock keeps `dlclose` from unmapping them meanwhile), never from a snapshot of the process's
    /// mappings: Session 8 read /proc/self/smaps and madvised its file mappings afterwards, and a
    /// file unmapped in between whose addresses malloc had taken was zeroed (BENCHMARKS.md
    /// "Session 9"). Returns the bytes given up, resident or not; 0 where
    /// /proc/self/pagemap is not readable.
    @discardableResult
    package static func dropReadOnlySegmentPages() -> Int {
        Int(kct_drop_read_only_segment_pages())
    }
}
