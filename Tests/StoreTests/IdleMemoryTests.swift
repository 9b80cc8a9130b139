import CProcessMemory
import Foundation
import Testing

@testable import Store

#if canImport(Glibc)
    import Glibc
#endif

/// What an idle node daemon gives back (`ProcessTuning.releaseIdleMemory`,
/// `OrderStore.releaseMemory`).
@Suite struct IdleMemoryTests {
    static let page = UInt(sysconf(Int32(_SC_PAGESIZE)))

    /// Only loadable segments that are not writable are dropped, the bytes they hold from the
    /// file, shrunk inward to whole pages: writable data, relocated data made read-only after
    /// loading (RELRO, inside a writable segment), a partial page next to another segment, and
    /// other program headers are left alone.
    @Test func onlyWholePagesOfReadOnlyLoadSegmentsAreDropped() {
        let base: UInt = 0x55d0_a000_0000
        let headers = [
            Self.header(PT_PHDR, PF_R, at: 0x40, bytes: 0x2d8),
            Self.header(PT_LOAD, PF_R, at: 0, bytes: 0x1_8000), // ELF header, .rodata
            Self.header(PT_LOAD, PF_R | PF_X, at: 0x1_8010, bytes: 0x20_0ff0), // .text, unaligned ends
            Self.header(PT_LOAD, PF_R | PF_W, at: 0x22_0000, bytes: 0x4000, memory: 0x9000), // data, bss
            Self.header(PT_GNU_RELRO, PF_R, at: 0x22_0000, bytes: 0x2000),
            Self.header(PT_DYNAMIC, PF_R | PF_W, at: 0x22_1000, bytes: 0x200),
            Self.header(PT_LOAD, PF_R, at: 0x23_0000, bytes: 0x800), // less than a page
        ]
        let ranges = Self.droppedRanges(headers, base: base)
        #expect(ranges == [base..<(base + 0x1_8000), (base + 0x1_9000)..<(base + 0x21_9000)])
    }

    /// A library whose code was patched when it was loaded (text relocations) is left alone, and
    /// so is the vDSO (the kernel's pages, not a file's).
    @Test func textRelocatedObjectsAndTheVDSOAreLeftAlone() {
        let entries: [[Elf64_Dyn]] = [
            [Self.dynamic(DT_NEEDED, 1), Self.dynamic(DT_NULL, 0)],
            [Self.dynamic(DT_TEXTREL, 0), Self.dynamic(DT_NULL, 0)],
            [Self.dynamic(DT_FLAGS, UInt64(DF_TEXTREL | DF_BIND_NOW)), Self.dynamic(DT_NULL, 0)],
            [Self.dynamic(DT_FLAGS, UInt64(DF_BIND_NOW)), Self.dynamic(DT_NULL, 0)],
        ]
        let patched = entries.map { dynamic in
            dynamic.withUnsafeBufferPointer { buffer in
                let address = UInt(bitPattern: buffer.baseAddress)
                return Self.withObject([Self.header(PT_DYNAMIC, PF_R, at: address, bytes: 32)], base: 0) {
                    kct_object_has_text_relocations($0.base, $0.headers, $0.count) != 0
                }
            }
        }
        #expect(patched == [false, true, true, false])

        let vdso: UInt = 0x7ffd_f000_0000
        let headers = [Self.header(PT_LOAD, PF_R | PF_X, at: 0, bytes: 0x2000)]
        #expect(Self.withObject(headers, base: vdso) { kct_object_holds($0.base, $0.headers, $0.count, vdso) } != 0)
        #expect(
            Self.withObject(headers, base: vdso + 0x2000) { kct_object_holds($0.base, $0.headers, $0.count, vdso) } == 0
        )
        #expect(Self.withObject(headers, base: 0) { kct_object_holds($0.base, $0.headers, $0.count, 0) } == 0)
    }

    /// /proc/self/pagemap tells a page the process copied (present, not a file's page; or swapped)
    /// from the file's own pages and from pages not mapped in.
    @Test func copiedPagesAreToldFromTheFilesPages() {
        let present: UInt64 = 1 << 63, swapped: UInt64 = 1 << 62, file: UInt64 = 1 << 61
        #expect(kct_pagemap_entry_is_private_copy(present | file | 0x1234) == 0)
        #expect(kct_pagemap_entry_is_private_copy(0) == 0)
        #expect(kct_pagemap_entry_is_private_copy(file) == 0)
        #expect(kct_pagemap_entry_is_private_copy(present | 0x1234) != 0)
        #expect(kct_pagemap_entry_is_private_copy(swapped | 0x55) != 0)
    }

    /// On a real private mapping of a file: the page the process wrote (its own copy, as a
    /// relocation makes) keeps its bytes; the others are dropped and read the file's bytes again.
    @Test func aPageTheProcessCopiedKeepsItsBytes() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/mapped"
        let pages = 4
        try Data(repeating: 0x5A, count: pages * Int(Self.page)).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let length = pages * Int(Self.page)
        let mapping = try #require(mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, length) }
        for page in 0..<pages { _ = mapping.load(fromByteOffset: page * Int(Self.page), as: UInt8.self) }
        mapping.storeBytes(of: 0xEE, toByteOffset: Int(Self.page) + 7, as: UInt8.self)
        mprotect(mapping, length, PROT_READ)
        let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        try #require(pagemap >= 0)
        defer { close(pagemap) }
        let start = UInt(bitPattern: mapping)
        let dropped = kct_drop_file_pages(pagemap, start, start + UInt(length), Self.page)
        #expect(dropped == (pages - 1) * Int(Self.page))
        #expect(mapping.load(fromByteOffset: Int(Self.page) + 7, as: UInt8.self) == 0xEE)
        #expect(mapping.load(fromByteOffset: 0, as: UInt8.self) == 0x5A)
        #expect(mapping.load(fromByteOffset: 3 * Int(Self.page), as: UInt8.self) == 0x5A)
    }

    /// This process's own code is dropped and runs on (mapped back as it is used), and its
    /// resident file pages fall.
    @Test func droppingCodePagesFreesResidentMemoryAndTheProcessRunsOn() throws {
        let before = try Self.residentFileKiB()
        let dropped = ProcessTuning.dropReadOnlySegmentPages()
        let after = try Self.residentFileKiB()
        #expect(dropped > 0)
        #expect(after < before)
        // Code dropped a moment ago runs again.
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        try store.createOrder(sampleDraft(), by: .test("test@kct.example"))
        store.releaseMemory()
        ProcessTuning.releaseIdleMemory()
        #expect(try store.stats().totalOrders == 1)
    }

    static func residentFileKiB() throws -> Int {
        let status = try String(decoding: #require(readProcFile("/proc/self/status")), as: UTF8.self)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    /// A /proc file read to its end (their size reads as 0, so it is read in chunks).
    static func readProcFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    static func header(
        _ type: Int32, _ flags: Int32, at address: UInt, bytes: UInt, memory: UInt? = nil
    ) -> Elf64_Phdr {
        Elf64_Phdr(
            p_type: UInt32(type), p_flags: UInt32(flags), p_offset: 0, p_vaddr: UInt64(address),
            p_paddr: UInt64(address), p_filesz: UInt64(bytes), p_memsz: UInt64(memory ?? bytes), p_align: 0x1000)
    }

    static func dynamic(_ tag: Int32, _ value: UInt64) -> Elf64_Dyn {
        Elf64_Dyn(d_tag: Int64(tag), d_un: .init(d_val: value))
    }

    /// `body` with a loaded object as dl_iterate_phdr describes it: `headers` loaded at `base`.
    static func withObject<Result>(
        _ headers: [Elf64_Phdr], base: UInt, _ body: (LoadedObject) -> Result
    ) -> Result {
        headers.withUnsafeBufferPointer { buffer in
            body(LoadedObject(base: base, headers: buffer.baseAddress, count: Int32(buffer.count)))
        }
    }

    /// A loaded object as the C functions take it (dl_iterate_phdr's address and headers).
    struct LoadedObject {
        var base: UInt
        var headers: UnsafePointer<Elf64_Phdr>?
        var count: Int32
    }

    /// The ranges `kct_read_only_segment_pages` chooses among `headers` loaded at `base`.
    static func droppedRanges(_ headers: [Elf64_Phdr], base: UInt) -> [Range<UInt>] {
        withObject(headers, base: base) { object in
            (0..<Int32(headers.count)).compactMap { index in
                var start: UInt = 0
                var end: UInt = 0
                guard kct_read_only_segment_pages(object.base, object.headers, index, page, &start, &end) != 0 else {
                    return nil
                }
                return start..<end
            }
        }
    }
}
