import CSQLite

/// Process-wide memory settings for SQLite's write path, applied once, before the process opens
/// its first connection.
///
/// Profiling a created order found ~7% of its CPU time in page faults: SQLite frees a 64 KiB
/// statement-journal chunk after each statement that may fail half-way (an insert with triggers,
/// an upsert, a foreign key check), and 80 KiB page-cache blocks with each temporary b-tree;
/// glibc then returned the top of the writer thread's heap to the kernel (`madvise`, about once
/// per edit) and the next statement faulted the pages back in, one by one.
/// - Statement journals stay in memory in 1 KiB chunks (a negative spill threshold): they hold a
///   copy of each page one statement changes, a few pages for any statement kct runs.
/// - glibc keeps up to 1 MiB of free memory at the top of a heap before trimming it (the default
///   is 128 KiB): the edit path's churn stays mapped, and an idle process holds at most 1 MiB
///   more per malloc arena.
/// - One malloc arena for the whole process: each thread pool thread that decodes and merges a
///   snapshot page otherwise gets an arena of its own, which keeps the page's freed memory. A
///   bootstrap of 100,000 orders peaked at 70 MiB with glibc's default, 63 MiB with one arena, at
///   the same speed (BENCHMARKS.md "Session 7"); the node's work is mostly one writer at a time.
package enum ProcessTuning {
    static let heapTrimThreshold: Int32 = 1 << 20
    static let mallocArenas: Int32 = 1

    /// Applied by its first use (Swift runs a `static let`'s initialiser once, thread-safely).
    private static let applied: Void = {
        _ = kct_sqlite_config_statement_journal_spill(-1)
        _ = kct_malloc_set_trim_threshold(heapTrimThreshold)
        _ = kct_malloc_set_arena_max(mallocArenas)
    }()

    /// Applies the settings on the first call; later calls do nothing. When something else in the
    /// process opened a SQLite connection first, SQLite refuses the journal setting
    /// (`SQLITE_MISUSE`) and keeps its default, which is only slower.
    static func applyOnce() { applied }
}
