#ifndef KCT_PROCESS_MEMORY_H
#define KCT_PROCESS_MEMORY_H
// Dropping the resident pages of loaded code (Store's ProcessTuning.dropReadOnlySegmentPages).
// The interface takes a loaded object as its load address and program headers (what
// dl_iterate_phdr reports), so that this header needs no GNU extension: <link.h>'s
// struct dl_phdr_info needs _GNU_SOURCE, which changes the system headers' definitions and
// clashes with the modules Swift imports them into.
#include <elf.h>
#include <stddef.h>
#include <stdint.h>

// A page of a private file mapping that is the process's own copy, not the file's bytes (a
// relocated page, a debugger's breakpoint): /proc/self/pagemap's bits 63 (present), 62 (swapped)
// and 61 (a file's page or shared memory). Dropping such a page would bring back the file's bytes.
int kct_pagemap_entry_is_private_copy(uint64_t entry);

// The whole pages of program header `index` of an object loaded at `base` when they may be
// dropped: a loadable segment that is not writable, the bytes it holds from the file, shrunk
// inward to whole pages (a page shared with a neighbouring segment is left alone). Returns 0 for
// other headers.
int kct_read_only_segment_pages(uintptr_t base, const Elf64_Phdr *headers, int index, uintptr_t page,
                                uintptr_t *start, uintptr_t *end);

// Whether the object's code was written to when it was loaded (text relocations: its read-only
// segments were made writable and patched). Such an object is left alone whatever pagemap says,
// because a dlopen under way patches it without the lock dl_iterate_phdr holds.
int kct_object_has_text_relocations(uintptr_t base, const Elf64_Phdr *headers, int count);

// Whether one of the object's loadable segments holds `address` (never 0).
int kct_object_holds(uintptr_t base, const Elf64_Phdr *headers, int count, uintptr_t address);

// Drops the pages in [start, end) (page-aligned) except the process's own copies, as
// /proc/self/pagemap (`pagemap`, open for reading) tells them page by page; stops where it cannot
// read pagemap. Only for pages of a private read-only file mapping that cannot be unmapped
// meanwhile: MADV_DONTNEED turns anonymous memory into zeros. Returns the bytes dropped.
size_t kct_drop_file_pages(int pagemap, uintptr_t start, uintptr_t end, uintptr_t page);

// Drops the resident pages of every loaded object's read-only segments (code, constants, symbol
// tables) that are still the file's bytes; the next use maps them back from the page cache.
// Objects come from dl_iterate_phdr, so no range can be unmapped and reused for other memory
// while it is dropped. Returns the bytes dropped (0 where /proc/self/pagemap cannot be read).
size_t kct_drop_read_only_segment_pages(void);

#endif
