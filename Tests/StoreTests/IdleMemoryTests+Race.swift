import Foundation
import Synchronization
import Testing

@testable import Store

#if canImport(Glibc)
    import Glibc
#endif

extension IdleMemoryTests {
    /// The release runs over and over while other threads map a file, unmap it, and reuse its
    /// addresses for anonymous memory at once (what malloc does for a large block, or a new
    /// thread's stack), filling it and checking it. A release that chose its ranges from a
    /// snapshot of the mappings (session 8 read /proc/self/smaps, then madvised) discards the
    /// anonymous memory that has meanwhile taken a file mapping's place: `MADV_DONTNEED` turns
    /// its pages into zeros: the likely cause of the crash that reverted it (BENCHMARKS.md
    /// "Session 9"). It fails with that code and must pass with this one.
    @Test func releaseNeverTouchesMemoryThatTookAnUnmappedFilesPlace() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/mapped"
        try Data(repeating: 0x5A, count: Self.mappedBytes).write(to: URL(fileURLWithPath: path))
        let race = RaceState()
        let mappers = (0..<Self.mapperThreads).map { _ in
            Self.runThread { race.damagedRounds.add(Self.mapAndCheck(path: path, until: race), ordering: .relaxed) }
        }
        let releaser = Self.runThread {
            let started = ContinuousClock.now
            while race.releases.load(ordering: .relaxed) < Self.minimumReleases
                || ContinuousClock.now - started < .seconds(1)
            {
                ProcessTuning.releaseIdleMemory()
                race.releases.add(1, ordering: .relaxed)
            }
            race.finished.store(true, ordering: .relaxed)
        }
        for thread in mappers + [releaser] { thread.wait() }
        #expect(race.releases.load(ordering: .relaxed) >= Self.minimumReleases)
        #expect(race.mappedRounds.load(ordering: .relaxed) > 0)
        #expect(race.damagedRounds.load(ordering: .relaxed) == 0)
    }

    static let mappedBytes = 256 * 1024
    static let mapperThreads = 2
    static let minimumReleases = 20

    final class RaceState: Sendable {
        let releases = Atomic<Int>(0)
        let mappedRounds = Atomic<Int>(0)
        let damagedRounds = Atomic<Int>(0)
        let finished = Atomic<Bool>(false)
    }

    /// Rounds of: map the file read-only, unmap it, map anonymous memory where it was,
    /// fill it, wait a moment, check it. Returns the rounds whose memory changed under it.
    static func mapAndCheck(path: String, until race: RaceState) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 1 }
        defer { close(descriptor) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pattern: UInt8 = 0xA5
        var damaged = 0
        while !race.finished.load(ordering: .relaxed) {
            guard let file = mmap(nil, mappedBytes, PROT_READ, MAP_PRIVATE, descriptor, 0), file != MAP_FAILED
            else { return damaged + 1 }
            usleep(200)
            munmap(file, mappedBytes)
            // The kernel hands out the hole just left (the hint asks for it too).
            guard
                let memory = mmap(file, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                memory != MAP_FAILED
            else { return damaged + 1 }
            memset(memory, Int32(pattern), mappedBytes)
            usleep(200)
            let intact = stride(from: 0, to: mappedBytes, by: pageSize).allSatisfy {
                memory.load(fromByteOffset: $0, as: UInt8.self) == pattern
                    && memory.load(fromByteOffset: $0 + pageSize - 1, as: UInt8.self) == pattern
            }
            if !intact { damaged += 1 }
            munmap(memory, mappedBytes)
            race.mappedRounds.add(1, ordering: .relaxed)
        }
        return damaged
    }

    /// A thread of its own (not the test's executors: the release and the mappers must overlap).
    static func runThread(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            body()
            done.signal()
        }
        return done
    }
}
