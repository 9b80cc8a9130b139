import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

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
    /// Returns malloc's free memory to the kernel and unmaps this process's clean read-only
    /// file pages (`unmapCleanFilePages`). Call when the process is idle: what it needs again
    /// comes back page by page.
    package static func releaseIdleMemory() {
        _ = kct_malloc_trim()
        unmapCleanFilePages()
    }

    /// Drops the page-table entries of every private, read-only mapping of a file (code,
    /// constants and symbol tables of the binary and its libraries) that holds no page of its
    /// own (`Anonymous: 0 kB` in /proc/self/smaps): its pages are the file's, so dropping them
    /// loses nothing (`MADV_DONTNEED` on a private file mapping reverts to the file's bytes,
    /// which is why a mapping with a copied page, a relocated one, is left alone). Returns
    /// the bytes of the mappings dropped; 0 where /proc is not readable.
    @discardableResult
    package static func unmapCleanFilePages() -> Int {
        guard let smaps = readProcFile("/proc/self/smaps") else { return 0 }
        var dropped = 0
        for mapping in CleanFileMapping.parse(smaps) {
            guard let start = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(start, mapping.end - mapping.start, MADV_DONTNEED) == 0 {
                dropped += mapping.end - mapping.start
            }
        }
        return dropped
    }

    /// A /proc file read to its end (their size reads as 0, so it is read in chunks).
    static func readProcFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A mapping of /proc/PID/smaps that `unmapCleanFilePages` may drop: private, readable, not
/// writable, backed by a file, and without anonymous (copied) pages.
struct CleanFileMapping: Equatable {
    var start: Int
    var end: Int

    static func parse(_ smaps: String) -> [CleanFileMapping] {
        var found: [CleanFileMapping] = []
        var candidate: CleanFileMapping?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), !first.hasSuffix(":"), fields.count >= 5 {
                // "start-end perms offset device inode [path]"
                candidate = nil
                let bounds = first.split(separator: "-")
                guard bounds.count == 2, let start = Int(bounds[0], radix: 16), let end = Int(bounds[1], radix: 16),
                    fields[1] == "r-xp" || fields[1] == "r--p", fields.count >= 6, fields[5].hasPrefix("/")
                else { continue }
                candidate = CleanFileMapping(start: start, end: end)
            } else if first == "Anonymous:", let mapping = candidate {
                if fields.count >= 2, fields[1] == "0" { found.append(mapping) }
                candidate = nil
            }
        }
        return found
    }
}
