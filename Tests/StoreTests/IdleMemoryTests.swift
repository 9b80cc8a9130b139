import Foundation
import Testing

@testable import Store

/// What an idle node daemon gives back (`ProcessTuning.releaseIdleMemory`,
/// `OrderStore.releaseMemory`).
@Suite struct IdleMemoryTests {
    /// Only private, read-only file mappings without a copied page may be dropped: a relocated
    /// page (Anonymous > 0) would revert to the file's bytes, and anonymous or shared memory
    /// would lose its contents.
    @Test func onlyCleanReadOnlyFileMappingsAreDropped() {
        let smaps = """
            55d0a0000000-55d0a0400000 r-xp 00001000 08:01 1234                       /usr/bin/kct
            Rss:                1024 kB
            Anonymous:             0 kB
            VmFlags: rd ex mr mw me
            55d0a0400000-55d0a0410000 r--p 00401000 08:01 1234                       /usr/bin/kct
            Rss:                  64 kB
            Anonymous:            16 kB
            55d0a0410000-55d0a0420000 rw-p 00411000 08:01 1234                       /usr/bin/kct
            Anonymous:             4 kB
            55d0a1000000-55d0a1100000 rw-p 00000000 00:00 0                          [heap]
            Anonymous:           900 kB
            7f0000000000-7f0000001000 r--p 00000000 08:01 99                         /usr/lib/locale/C.utf8/LC_CTYPE
            Rss:                   4 kB
            Anonymous:             0 kB
            7f0000100000-7f0000108000 rw-s 00000000 08:01 77                         /data/replica.sqlite-shm
            Anonymous:             0 kB
            7f0000200000-7f0000202000 r-xp 00000000 00:00 0                          [vdso]
            Anonymous:             0 kB
            7f0000300000-7f0000304000 r-xp 00000000 00:00 0 
            Anonymous:             0 kB
            """
        #expect(
            CleanFileMapping.parse(smaps) == [
                CleanFileMapping(start: 0x55d0_a000_0000, end: 0x55d0_a040_0000),
                CleanFileMapping(start: 0x7f00_0000_0000, end: 0x7f00_0000_1000),
            ])
    }

    /// This process's own code is dropped and runs on (mapped back as it is used), and its
    /// resident file pages fall.
    @Test func droppingCodePagesFreesResidentMemoryAndTheProcessRunsOn() throws {
        let before = try Self.residentFileKiB()
        let dropped = ProcessTuning.unmapCleanFilePages()
        let after = try Self.residentFileKiB()
        #expect(dropped > 0)
        #expect(after < before)
        // Code dropped a moment ago runs again.
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        try store.createOrder(sampleDraft(), by: .test("test@kct.example"))
        store.releaseMemory()
        #expect(try store.stats().totalOrders == 1)
    }

    static func residentFileKiB() throws -> Int {
        let status = try #require(ProcessTuning.readProcFile("/proc/self/status"))
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
}
