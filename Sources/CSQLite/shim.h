#ifndef KCT_CSQLITE_SHIM_H
#define KCT_CSQLITE_SHIM_H
// The raw SQLite API, used where a benchmark needs a baseline with no wrapper in between and for
// process-wide settings GRDB does not expose. Application code reaches SQLite through GRDB;
// never mix this module's handles with GRDB's.
// dl_iterate_phdr's struct dl_phdr_info is a GNU extension of <link.h>.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sqlite3.h>
#include <malloc.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type kct_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// sqlite3_config is variadic; Swift cannot call it. Statement journals (the undo log of one
// statement inside a transaction) are kept in memory up to `bytes`, then spilled to a temporary
// file; a negative value keeps them in memory. Only allowed before SQLite initialises: returns
// SQLITE_MISUSE after the first connection of the process was opened.
static inline int kct_sqlite_config_statement_journal_spill(int bytes) {
    return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, bytes);
}

// glibc's <malloc.h> is not part of Swift's Glibc module. Sets how much free memory a heap keeps
// at its top before glibc returns it to the kernel (SQLite's write path frees and reallocates
// the same blocks every statement; see Store's ProcessTuning). Returns 1 on success.
static inline int kct_malloc_set_trim_threshold(int bytes) {
    return mallopt(M_TRIM_THRESHOLD, bytes);
}

// Caps how many malloc arenas glibc may create (by default up to 8 per core, one per thread
// that allocates while another holds an arena). Returns 1 on success.
static inline int kct_malloc_set_arena_max(int arenas) {
    return mallopt(M_ARENA_MAX, arenas);
}

// Returns the free memory of every malloc arena to the kernel, from the middle of a heap too
// (free() gives back only a heap's top, past the trim threshold): what an idle node daemon still
// holds of its last work's buffers (Store's ProcessTuning.releaseIdleMemory). Returns 1 if
// memory was released.
static inline int kct_malloc_trim(void) {
    return malloc_trim(0);
}

// ---- Dropping the pages of loaded code (Store's ProcessTuning.dropReadOnlySegmentPages) ----
// Written in C because the work runs inside dl_iterate_phdr's callback, which holds the loader's
// lock that dlclose takes to unmap an object: Swift code there could wait for one of the Swift
// runtime's locks held by a thread that waits for the loader. Only pread and madvise run inside.

// A page of a private file mapping that is the process's own copy, not the file's bytes (a
// relocated page, a debugger's breakpoint): /proc/self/pagemap's bits 63 (present), 62 (swapped)
// and 61 (a file's page or shared memory). Dropping such a page would bring back the file's bytes.
static inline int kct_pagemap_entry_is_private_copy(uint64_t entry) {
    int present = (entry >> 63) & 1, swapped = (entry >> 62) & 1, file = (entry >> 61) & 1;
    return swapped || (present && !file);
}

// The whole pages of program header `index` of a loaded object when they may be dropped: a
// loadable segment that is not writable, the bytes it holds from the file, shrunk inward to whole
// pages (a page shared with a neighbouring segment is left alone). Returns 0 for other headers.
static inline int kct_read_only_segment_pages(const struct dl_phdr_info *object, int index, uintptr_t page,
                                              uintptr_t *start, uintptr_t *end) {
    const ElfW(Phdr) *header = &object->dlpi_phdr[index];
    if (header->p_type != PT_LOAD || (header->p_flags & PF_W) != 0) return 0;
    uintptr_t first = object->dlpi_addr + header->p_vaddr, last = first + header->p_filesz;
    *start = (first + page - 1) & ~(page - 1);
    *end = last & ~(page - 1);
    return *start < *end;
}

// Whether the object's code was written to when it was loaded (text relocations: its read-only
// segments were made writable and patched). Such an object is left alone whatever pagemap says,
// because a dlopen under way patches it without the lock dl_iterate_phdr holds.
static inline int kct_object_has_text_relocations(const struct dl_phdr_info *object) {
    for (int index = 0; index < object->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &object->dlpi_phdr[index];
        if (header->p_type != PT_DYNAMIC) continue;
        for (const ElfW(Dyn) *entry = (const ElfW(Dyn) *)(object->dlpi_addr + header->p_vaddr);
             entry->d_tag != DT_NULL; entry++) {
            if (entry->d_tag == DT_TEXTREL) return 1;
            if (entry->d_tag == DT_FLAGS && (entry->d_un.d_val & DF_TEXTREL) != 0) return 1;
        }
    }
    return 0;
}

// Whether one of the object's loadable segments holds `address` (never 0).
static inline int kct_object_holds(const struct dl_phdr_info *object, uintptr_t address) {
    for (int index = 0; index < object->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &object->dlpi_phdr[index];
        uintptr_t first = object->dlpi_addr + header->p_vaddr;
        if (header->p_type == PT_LOAD && address != 0 && address >= first && address - first < header->p_memsz)
            return 1;
    }
    return 0;
}

static inline size_t kct_madvise_dont_need(uintptr_t start, uintptr_t end) {
    if (start >= end || madvise((void *)start, end - start, MADV_DONTNEED) != 0) return 0;
    return end - start;
}

// Drops the pages in [start, end) (page-aligned) except the process's own copies, as
// /proc/self/pagemap (`pagemap`, open for reading) tells them page by page; stops where it cannot
// read pagemap. Only for pages of a private read-only file mapping that cannot be unmapped
// meanwhile: MADV_DONTNEED turns anonymous memory into zeros. Returns the bytes dropped.
static inline size_t kct_drop_file_pages(int pagemap, uintptr_t start, uintptr_t end, uintptr_t page) {
    uint64_t entries[256];
    size_t dropped = 0;
    uintptr_t run = start, at = start;  // [run, at): pages read from pagemap and not copies
    while (at < end) {
        size_t count = (end - at) / page;
        if (count > sizeof entries / sizeof entries[0]) count = sizeof entries / sizeof entries[0];
        ssize_t bytes = pread(pagemap, entries, count * sizeof entries[0], (off_t)(at / page * sizeof entries[0]));
        if (bytes != (ssize_t)(count * sizeof entries[0])) break;
        for (size_t slot = 0; slot < count; slot++, at += page) {
            if (!kct_pagemap_entry_is_private_copy(entries[slot])) continue;
            dropped += kct_madvise_dont_need(run, at);
            run = at + page;
        }
    }
    return dropped + kct_madvise_dont_need(run, at);
}

struct kct_segment_drop {
    int pagemap;
    uintptr_t page;
    uintptr_t vdso;  // the vDSO's ELF header: its pages are the kernel's, not a file's
    size_t dropped;
};

static inline int kct_drop_object_read_only_pages(struct dl_phdr_info *object, size_t size, void *context) {
    (void)size;
    struct kct_segment_drop *drop = context;
    if (kct_object_holds(object, drop->vdso) || kct_object_has_text_relocations(object)) return 0;
    uintptr_t start, end;
    for (int index = 0; index < object->dlpi_phnum; index++) {
        if (!kct_read_only_segment_pages(object, index, drop->page, &start, &end)) continue;
        drop->dropped += kct_drop_file_pages(drop->pagemap, start, end, drop->page);
    }
    return 0;
}

// Drops the resident pages of every loaded object's read-only segments (code, constants, symbol
// tables) that are still the file's bytes; the next use maps them back from the page cache.
// Objects come from dl_iterate_phdr, so no range can be unmapped and reused for other memory
// while it is dropped. Returns the bytes dropped (0 where /proc/self/pagemap cannot be read).
static inline size_t kct_drop_read_only_segment_pages(void) {
    struct kct_segment_drop drop = {
        .pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC),
        .page = (uintptr_t)sysconf(_SC_PAGESIZE),
        .vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR),
        .dropped = 0,
    };
    if (drop.pagemap < 0) return 0;
    dl_iterate_phdr(kct_drop_object_read_only_pages, &drop);
    close(drop.pagemap);
    return drop.dropped;
}

#endif
