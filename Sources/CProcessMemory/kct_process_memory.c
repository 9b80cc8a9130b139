// dl_iterate_phdr and struct dl_phdr_info are GNU extensions of <link.h>; defined here only,
// never in a header Swift imports (kct_process_memory.h says why).
#define _GNU_SOURCE
#include "kct_process_memory.h"

#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

// Written in C because the work runs inside dl_iterate_phdr's callback, which holds the loader's
// lock that dlclose takes to unmap an object: Swift code there could wait for one of the Swift
// runtime's locks held by a thread that waits for the loader. Only pread and madvise run inside.

int kct_pagemap_entry_is_private_copy(uint64_t entry) {
    int present = (entry >> 63) & 1, swapped = (entry >> 62) & 1, file = (entry >> 61) & 1;
    return swapped || (present && !file);
}

int kct_read_only_segment_pages(uintptr_t base, const Elf64_Phdr *headers, int index, uintptr_t page,
                                uintptr_t *start, uintptr_t *end) {
    const Elf64_Phdr *header = &headers[index];
    if (header->p_type != PT_LOAD || (header->p_flags & PF_W) != 0) return 0;
    uintptr_t first = base + header->p_vaddr, last = first + header->p_filesz;
    *start = (first + page - 1) & ~(page - 1);
    *end = last & ~(page - 1);
    return *start < *end;
}

int kct_object_has_text_relocations(uintptr_t base, const Elf64_Phdr *headers, int count) {
    for (int index = 0; index < count; index++) {
        const Elf64_Phdr *header = &headers[index];
        if (header->p_type != PT_DYNAMIC) continue;
        for (const Elf64_Dyn *entry = (const Elf64_Dyn *)(base + header->p_vaddr); entry->d_tag != DT_NULL; entry++) {
            if (entry->d_tag == DT_TEXTREL) return 1;
            if (entry->d_tag == DT_FLAGS && (entry->d_un.d_val & DF_TEXTREL) != 0) return 1;
        }
    }
    return 0;
}

int kct_object_holds(uintptr_t base, const Elf64_Phdr *headers, int count, uintptr_t address) {
    for (int index = 0; index < count; index++) {
        const Elf64_Phdr *header = &headers[index];
        uintptr_t first = base + header->p_vaddr;
        if (header->p_type == PT_LOAD && address != 0 && address >= first && address - first < header->p_memsz)
            return 1;
    }
    return 0;
}

static size_t madvise_dont_need(uintptr_t start, uintptr_t end) {
    if (start >= end || madvise((void *)start, end - start, MADV_DONTNEED) != 0) return 0;
    return end - start;
}

size_t kct_drop_file_pages(int pagemap, uintptr_t start, uintptr_t end, uintptr_t page) {
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
            dropped += madvise_dont_need(run, at);
            run = at + page;
        }
    }
    return dropped + madvise_dont_need(run, at);
}

struct segment_drop {
    int pagemap;
    uintptr_t page;
    uintptr_t vdso;  // the vDSO's ELF header: its pages are the kernel's, not a file's
    size_t dropped;
};

static int drop_object_read_only_pages(struct dl_phdr_info *object, size_t size, void *context) {
    (void)size;
    struct segment_drop *drop = context;
    uintptr_t base = object->dlpi_addr;
    const Elf64_Phdr *headers = object->dlpi_phdr;
    int count = object->dlpi_phnum;
    if (kct_object_holds(base, headers, count, drop->vdso) || kct_object_has_text_relocations(base, headers, count))
        return 0;
    uintptr_t start, end;
    for (int index = 0; index < count; index++) {
        if (!kct_read_only_segment_pages(base, headers, index, drop->page, &start, &end)) continue;
        drop->dropped += kct_drop_file_pages(drop->pagemap, start, end, drop->page);
    }
    return 0;
}

size_t kct_drop_read_only_segment_pages(void) {
    struct segment_drop drop = {
        .pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC),
        .page = (uintptr_t)sysconf(_SC_PAGESIZE),
        .vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR),
        .dropped = 0,
    };
    if (drop.pagemap < 0) return 0;
    dl_iterate_phdr(drop_object_read_only_pages, &drop);
    close(drop.pagemap);
    return drop.dropped;
}
